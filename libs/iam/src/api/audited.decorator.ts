import { SetMetadata } from '@nestjs/common';

export const AUDITED = 'iam:audited';
export const NOT_AUDITED = 'iam:not-audited';

/**
 * Marks a route whose success writes one of these audit actions. The interceptor checks it on
 * every call (a missing entry is a 500 outside production, an error log and a metric in it),
 * and `test/ops/audit-walk.e2e-spec.ts` refuses a state-changing or admin route without it.
 */
export const Audited = (...actions: [string, ...string[]]) => SetMetadata(AUDITED, actions);

/** A state-changing route that writes no audit entry, and why (the walk check lists these). */
export const NotAudited = (reason: string) => SetMetadata(NOT_AUDITED, reason);
