/** What an upload can load, and the columns each kind needs (CONTRACT.md "Admin"). */
export const ETL_KINDS = [
  'retailers',
  'offers',
  'municipalities',
  'schemes',
  'charities',
  'officers',
] as const;
export type EtlKind = (typeof ETL_KINDS)[number];

export const ETL_COLUMNS: Record<EtlKind, { required: string[]; optional: string[] }> = {
  retailers: { required: ['external_id', 'name', 'website', 'contact_email', 'zip'], optional: ['active'] },
  offers: {
    required: [
      'external_id',
      'retailer_external_id',
      'title',
      'points_cost',
      'discount',
      'valid_from',
      'valid_until',
    ],
    optional: ['max_redemptions', 'zips', 'active'],
  },
  municipalities: { required: ['external_id', 'name', 'state', 'zips'], optional: ['active'] },
  schemes: {
    required: ['external_id', 'municipality_external_id', 'title', 'multiplier', 'valid_from', 'valid_until'],
    optional: ['active'],
  },
  charities: { required: ['external_id', 'name', 'description', 'website', 'ein'], optional: ['active'] },
  officers: {
    required: ['badge_number', 'email', 'first_name', 'last_name', 'precinct', 'zip'],
    optional: ['active'],
  },
};

/** The parent kind a row refers to, and the column holding the reference. */
export const ETL_PARENTS: Partial<Record<EtlKind, { kind: EtlKind; column: string }>> = {
  offers: { kind: 'retailers', column: 'retailer_external_id' },
  schemes: { kind: 'municipalities', column: 'municipality_external_id' },
};

/** Kinds other kinds refer to: only their loaded keys need remembering (for dry runs of the children). */
export const ETL_PARENT_KINDS: ReadonlySet<EtlKind> = new Set(Object.values(ETL_PARENTS).map((p) => p.kind));

/** The column that identifies a row for idempotent upserts. */
export const ETL_KEY_COLUMN: Record<EtlKind, string> = {
  retailers: 'external_id',
  offers: 'external_id',
  municipalities: 'external_id',
  schemes: 'external_id',
  charities: 'external_id',
  officers: 'email',
};

export const isEtlKind = (v: unknown): v is EtlKind =>
  typeof v === 'string' && (ETL_KINDS as readonly string[]).includes(v);

/** Header columns a file lacks for its kind (names compared case-insensitively). */
export function missingColumns(kind: EtlKind, header: string[]): string[] {
  const have = new Set(header.map((h) => h.trim().toLowerCase()));
  return ETL_COLUMNS[kind].required.filter((c) => !have.has(c));
}
