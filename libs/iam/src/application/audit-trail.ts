import { Injectable } from '@nestjs/common';
import type { PrismaService, Tx } from '@heyblue/platform';
import { actorKindOf, type AuditAuthor } from '../domain/audit.js';
import { PrismaAuditRepository, type AuditInput } from '../infrastructure/prisma-audit.repository.js';
import { noteAudited, noteUnchanged } from './audit-scope.js';

/** One audit entry: who (`null` = the system), what, on what, and a small detail. */
export interface AuditRecord {
  actor: AuditAuthor | null;
  action: string;
  targetId?: string | null;
  /** Plain JSON; secrets and raw coordinates are dropped, and more than 2,000 characters is cut. */
  detail?: Record<string, unknown> | null;
}

const input = (r: AuditRecord): AuditInput => ({
  actorId: r.actor?.accountId ?? null,
  actorKind: actorKindOf(r.actor),
  actorRef: r.actor?.ref ?? null,
  action: r.action,
  targetId: r.targetId ?? null,
  ip: r.actor?.ip ?? null,
  userAgent: r.actor?.userAgent ?? null,
  detail: r.detail ?? null,
});

/**
 * The audit trail as other contexts write it: pass your transaction so the entry commits with
 * the change it describes (`record(entry, tx)`); for a change that is one SQL statement,
 * compose `insertStatement` into it as a CTE and call `written` after it succeeds.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly repo: PrismaAuditRepository) {}

  record(entry: AuditRecord, tx?: Tx | PrismaService): Promise<void> {
    return this.repo.record(input(entry), tx);
  }

  insertStatement(entry: AuditRecord, firstParam: number, from = ''): { sql: string; values: unknown[] } {
    return this.repo.insertStatement(input(entry), firstParam, from);
  }

  /** After a composed statement carrying an entry of `action` succeeded (for the `@Audited` check). */
  written(action: string): void {
    noteAudited(action);
  }

  /** The request changed nothing (an idempotent repeat): no entry is due for it. */
  unchanged(): void {
    noteUnchanged();
  }
}
