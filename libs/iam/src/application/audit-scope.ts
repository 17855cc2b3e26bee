import { AsyncLocalStorage } from 'node:async_hooks';

/** What one audited request wrote to the trail, for the `@Audited` check after the handler. */
export interface AuditScope {
  actions: Set<string>;
  /** The request changed nothing (an idempotent repeat, a role set to what it was): no entry is due. */
  unchanged: boolean;
}

export const auditScope = new AsyncLocalStorage<AuditScope>();

export function noteAudited(action: string): void {
  auditScope.getStore()?.actions.add(action);
}

export function noteUnchanged(): void {
  const s = auditScope.getStore();
  if (s) s.unchanged = true;
}
