/** Who an audit entry names. */
export type AuditActorKind = 'account' | 'retailer_key' | 'cli' | 'system';

/**
 * The author of an audited action and where the call came from: a signed-in account
 * (`accountId`), a retailer key (`kind: 'retailer_key'`, `ref` = key id), the CLI (`kind: 'cli'`,
 * `ref` = OS user) or the system itself (no account, no ref).
 */
export interface AuditAuthor {
  accountId: string | null;
  kind?: AuditActorKind;
  ref?: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** A signed-in account's call (what `@Actor()` gives). */
export type AuditActor = AuditAuthor & { accountId: string };

/** The system (event consumers, jobs): no account, no address. */
export const SYSTEM_ACTOR: AuditAuthor = { accountId: null, kind: 'system', ip: null, userAgent: null };

/** The CLI run by an OS user on the machine. */
export const cliActor = (osUser: string): AuditAuthor => ({
  accountId: null,
  kind: 'cli',
  ref: osUser.slice(0, 100),
  ip: null,
  userAgent: 'heyblue-cli',
});

export function actorKindOf(a: Pick<AuditAuthor, 'accountId' | 'kind'> | null | undefined): AuditActorKind {
  if (a?.kind) return a.kind;
  return a?.accountId ? 'account' : 'system';
}

/** Detail keys that never enter the trail: secrets, and positions finer than an area. */
const FORBIDDEN =
  /^(lat|lng|lon|latitude|longitude|position|location|coords?|secret|password|token|accesstoken|refreshtoken|key|apikey|retailerkey|otp|voucherCode|signature)$/i;
/** Beyond this, the detail is replaced by a note: the trail is for facts, not payloads. */
export const MAX_DETAIL_CHARS = 2_000;

/** The detail an entry may keep: plain JSON, without secrets or raw coordinates, at most 2,000 characters. */
export function sanitizeDetail(
  detail: Record<string, unknown> | null | undefined,
): Record<string, unknown> | null {
  if (!detail) return null;
  const clean = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (depth > 4) return '[nested]';
    if (Array.isArray(v)) return v.slice(0, 50).map((x) => clean(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (!FORBIDDEN.test(k)) out[k] = clean(x, depth + 1);
    return out;
  };
  const plain = JSON.parse(JSON.stringify(detail)) as Record<string, unknown>;
  const sanitized = clean(plain, 0) as Record<string, unknown>;
  const text = JSON.stringify(sanitized);
  return text.length > MAX_DETAIL_CHARS ? { truncated: true, chars: text.length } : sanitized;
}
