/** The iam bounded context's Nest module (global: `@Auth()` works in every context). */
export { IamModule } from './iam.module.js';
/** Bearer guard + role check + OpenAPI security; no roles = any signed-in account. */
export { Auth, Roles, CurrentAccount, BearerAuthGuard, RolesGuard } from './api/auth.decorators.js';
/** The admin behind a request, for the audit entries other contexts record through `IamApi.recordAdminAction`. */
export { Actor, type AuditActor } from './api/auth.decorators.js';
/** The audit trail: write an entry in your own transaction (`AuditTrail.record(entry, tx)`). */
export { AuditTrail, type AuditRecord } from './application/audit-trail.js';
/** Who an entry names besides accounts: the system, the CLI with its OS user. */
export { SYSTEM_ACTOR, cliActor, type AuditActorKind, type AuditAuthor } from './domain/audit.js';
/** Route marks: `@Audited(action…)` is checked on every call; `@NotAudited(reason)` says why a state change writes none. */
export { Audited, NotAudited, AUDITED, NOT_AUDITED } from './api/audited.decorator.js';
/** Roles, the signed-in account and the account view other contexts may read. */
export {
  ROLES,
  type Role,
  type AuthenticatedAccount,
  type AccountView,
  type AccountStatus,
} from './domain/account.js';
/** Authenticates socket.io handshakes and reports revoked access on every instance. */
export { SocketAuthenticator } from './application/socket-authenticator.js';
export type { AccessRevokedInfo } from './infrastructure/access-revocations.js';
/** The facade other contexts call (ETL roster, audit entries, account lookups). */
export { IamApi, type OfficerRosterEntry } from './application/iam.api.js';
export type { AuditEntryView, AuditQuery } from './infrastructure/prisma-audit.repository.js';
/** Background re-encryption of PII after a key change (the CLI's pii:reencrypt runs it in the foreground). */
export { PiiReencryption, type ReencryptionReport } from './infrastructure/pii-reencryption.js';
/** Admin operations (the CLI's admin:create uses `preauthorizeAdmin`). */
export { AdminService } from './application/admin.service.js';
/** `session:issue` (development mode only): verified accounts with sessions for load tests and demos. */
export { DevSessionsService, type IssuedDevSession } from './application/dev-sessions.service.js';
/** Session issuing (the CLI's session:issue and load-test tooling). */
export { SessionService, type SessionView } from './application/session.service.js';
/** Integration events IAM publishes. */
export { AccountCreated, type AccountCreatedPayload } from './events/account-created.integration-event.js';
export {
  AccountRoleChanged,
  type AccountRoleChangedPayload,
} from './events/account-role-changed.integration-event.js';
export {
  AccountSuspended,
  type AccountSuspendedPayload,
} from './events/account-suspended.integration-event.js';
