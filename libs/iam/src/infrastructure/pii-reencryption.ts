import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PrismaService, type Env } from '@heyblue/platform';
import { IamConfig } from './iam-config.js';
import type { PiiField } from './pii-cipher.js';

/** The PII columns and the key each row's ciphertexts are bound to. */
const TABLES = [
  { table: 'iam_account', key: 'id', keyType: 'uuid', columns: ['email_cipher', 'phone_cipher'] },
  { table: 'iam_officer_roster', key: 'email_hash', keyType: 'text', columns: ['email_cipher'] },
  { table: 'iam_admin_grant', key: 'email_hash', keyType: 'text', columns: ['email_cipher'] },
] as const;

export interface ReencryptionReport {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Rows left behind because another writer changed them meanwhile (they are picked up by the next run). */
  skipped: number;
}

/**
 * Rewrites every PII ciphertext not yet under the current key and envelope version (after
 * IAM_PII_KEY_ID changes, or for the unbound v1 envelopes) in batches of
 * IAM_PII_REENCRYPT_BATCH_SIZE. Each batch is one transaction whose rows are locked with SKIP
 * LOCKED, so several instances share the work instead of repeating it, and a row updated by
 * the application meanwhile is never overwritten. It needs no checkpoint to resume: a rewritten
 * row no longer matches, so a stopped run (restart, deploy) continues where it was.
 */
@Injectable()
export class PiiReencryption implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PiiReencryption');
  private readonly batchSize: number;
  private readonly enabled: boolean;
  private stopped = false;
  private running?: Promise<ReencryptionReport>;

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: IamConfig,
    settings: ConfigService<Env, true>,
  ) {
    this.batchSize = settings.get('IAM_PII_REENCRYPT_BATCH_SIZE', { infer: true });
    this.enabled = settings.get('IAM_PII_REENCRYPT_ENABLED', { infer: true });
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    // In the background: a large table must not hold up readiness; reads of old rows work meanwhile.
    void this.run().catch((err: Error) => this.logger.error(`PII re-encryption stopped: ${err.message}`));
  }

  onModuleDestroy(): Promise<unknown> | void {
    this.stopped = true;
    return this.running?.catch(() => undefined);
  }

  /** Runs to the end (or joins the run in progress) and reports what it rewrote. */
  run(): Promise<ReencryptionReport> {
    this.running ??= this.reencryptAll().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Ciphertexts still under an old key or format. */
  async pending(): Promise<number> {
    let n = 0;
    for (const t of TABLES)
      n += Number(
        (
          await this.prisma.rows<{ n: string }>(
            `SELECT count(*) AS n FROM ${t.table} WHERE ${this.stale(t)}`,
            [this.likeCurrent()],
          )
        )[0]!.n,
      );
    return n;
  }

  private likeCurrent(): string {
    return `${this.config.cipher.currentPrefix.replace(/[\\%_]/g, '\\$&')}%`;
  }

  private stale(t: (typeof TABLES)[number]): string {
    return `(${t.columns.map((c) => `(${c} IS NOT NULL AND ${c} NOT LIKE $1)`).join(' OR ')})`;
  }

  private async reencryptAll(): Promise<ReencryptionReport> {
    const started = process.hrtime.bigint();
    let rows = 0;
    let skipped = 0;
    for (const t of TABLES) {
      let after: string | null = null;
      while (!this.stopped) {
        const batch = await this.batch(t, after);
        rows += batch.rows;
        skipped += batch.skipped;
        if (batch.last === null) break;
        after = batch.last;
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const report = { rows, seconds, rowsPerSecond: seconds > 0 ? Math.round(rows / seconds) : rows, skipped };
    if (rows > 0 || skipped > 0) {
      this.logger.log(
        `PII re-encrypted under ${this.config.cipher.currentKid}: ${rows} rows in ${seconds.toFixed(2)} s (${report.rowsPerSecond} rows/s), ${skipped} skipped`,
      );
    }
    return report;
  }

  /** One batch in one transaction: lock, decrypt with whichever key wrote it, encrypt under the current key, write. */
  private async batch(
    t: (typeof TABLES)[number],
    after: string | null,
  ): Promise<{ rows: number; skipped: number; last: string | null }> {
    const cipher = this.config.cipher;
    return this.prisma.$transaction(
      async (tx) => {
        const found = await tx.$queryRawUnsafe<Array<Record<string, string | null>>>(
          `SELECT ${t.key}::text AS k, ${t.columns.join(', ')} FROM ${t.table}
           WHERE ${this.stale(t)} ${after === null ? '' : `AND ${t.key} > $3::${t.keyType}`}
           ORDER BY ${t.key} LIMIT $2 FOR UPDATE SKIP LOCKED`,
          this.likeCurrent(),
          this.batchSize,
          ...(after === null ? [] : [after]),
        );
        if (found.length === 0) return { rows: 0, skipped: 0, last: null };
        const keys: string[] = [];
        const values: Array<Array<string | null>> = t.columns.map(() => []);
        let skipped = 0;
        for (const row of found) {
          const fresh: Array<string | null> = [];
          try {
            for (const column of t.columns) {
              const old = row[column];
              const field: PiiField = { table: t.table, column: column as PiiField['column'], row: row.k! };
              fresh.push(old == null ? null : cipher.encrypt(cipher.decrypt(old, field), field));
            }
          } catch (err) {
            // A ciphertext no configured key opens: leave it (and say so) rather than stop the run.
            this.logger.warn(`PII of ${t.table} row ${row.k} not re-encrypted: ${(err as Error).message}`);
            skipped += 1;
            continue;
          }
          keys.push(row.k!);
          fresh.forEach((v, i) => values[i]!.push(v));
        }
        if (keys.length > 0) {
          const sets = t.columns.map((c, i) => `${c} = u.c${i}`).join(', ');
          const cols = t.columns.map((_c, i) => `$${i + 3}::text[]`).join(', ');
          await tx.$executeRawUnsafe(
            `UPDATE ${t.table} AS t SET ${sets}, pii_key_id = $1
             FROM unnest($2::${t.keyType}[], ${cols}) AS u(k, ${t.columns.map((_c, i) => `c${i}`).join(', ')})
             WHERE t.${t.key} = u.k`,
            cipher.currentKid,
            keys,
            ...values,
          );
        }
        return { rows: keys.length, skipped, last: found[found.length - 1]!.k! };
      },
      { timeout: 60_000 },
    );
  }
}
