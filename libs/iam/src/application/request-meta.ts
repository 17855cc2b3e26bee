/** Where a request came from, for the audit trail. */
export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
}
