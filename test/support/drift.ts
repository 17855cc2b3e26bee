import type pg from 'pg';

/** The part of Prisma's runtime data model the drift check reads. */
export interface DataModel {
  models: Record<
    string,
    {
      dbName: string | null;
      fields: Array<{ name: string; kind: string; type: string; dbName?: string | null }>;
    }
  >;
  enums: Record<string, { dbName?: string | null }>;
}

/** PostgreSQL column types each Prisma scalar may map to. */
const COMPATIBLE: Record<string, string[]> = {
  String: ['text', 'character varying', 'character', 'uuid', 'citext', 'inet'],
  Int: ['integer', 'smallint'],
  BigInt: ['bigint'],
  Float: ['double precision', 'real'],
  Decimal: ['numeric'],
  Boolean: ['boolean'],
  DateTime: ['timestamp with time zone', 'timestamp without time zone', 'date', 'time without time zone'],
  Json: ['jsonb', 'json'],
  Bytes: ['bytea'],
};

/**
 * Compares the generated client's data model with the migrated database: every model's
 * table and every scalar/enum field's column must exist with a compatible type.
 * Returns human-readable problems (empty when in step).
 */
export async function findDrift(client: pg.Client, model: DataModel): Promise<string[]> {
  const { rows } = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    is_array: boolean;
  }>(`
    SELECT table_name, column_name, data_type, udt_name, data_type = 'ARRAY' AS is_array
    FROM information_schema.columns WHERE table_schema = 'public'`);
  const tables = new Map<string, Map<string, { data_type: string; udt_name: string }>>();
  for (const r of rows) {
    const cols = tables.get(r.table_name) ?? new Map();
    cols.set(r.column_name, r);
    tables.set(r.table_name, cols);
  }
  const problems: string[] = [];
  for (const [name, m] of Object.entries(model.models)) {
    const table = m.dbName ?? name;
    const cols = tables.get(table);
    if (!cols) {
      problems.push(`table ${table} (model ${name}) is missing`);
      continue;
    }
    for (const f of m.fields) {
      if (f.kind !== 'scalar' && f.kind !== 'enum') continue;
      const column = f.dbName ?? f.name;
      const col = cols.get(column);
      if (!col) {
        problems.push(`column ${table}.${column} (${name}.${f.name}) is missing`);
        continue;
      }
      const dbType = col.data_type === 'ARRAY' ? col.udt_name.replace(/^_/, '') : col.data_type;
      if (f.kind === 'enum') {
        const enumName = model.enums[f.type]?.dbName ?? f.type;
        if (col.data_type !== 'USER-DEFINED' || col.udt_name !== enumName) {
          if (!(col.data_type === 'ARRAY' && col.udt_name === `_${enumName}`))
            problems.push(`column ${table}.${column} should be enum ${enumName}, is ${col.udt_name}`);
        }
        continue;
      }
      const ok = COMPATIBLE[f.type] ?? [];
      const arrayOk = col.data_type === 'ARRAY' && ok.some((t) => udtMatches(dbType, t));
      if (!ok.includes(col.data_type) && !arrayOk) {
        problems.push(`column ${table}.${column} is ${col.data_type}, not compatible with ${f.type}`);
      }
    }
  }
  return problems;
}

function udtMatches(udt: string, type: string): boolean {
  const map: Record<string, string> = {
    text: 'text',
    varchar: 'character varying',
    uuid: 'uuid',
    int4: 'integer',
    int8: 'bigint',
    bool: 'boolean',
    jsonb: 'jsonb',
    timestamptz: 'timestamp with time zone',
  };
  return map[udt] === type;
}
