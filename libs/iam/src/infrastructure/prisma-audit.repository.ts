import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  PrismaService,
  ReadReplicas,
  toPage,
  ValidationFailed,
  type Page,
  type Tx,
} from '@heyblue/platform';
import { isUUID } from 'class-validator';
import { sanitizeDetail, type AuditActorKind } from '../domain/audit.js';
import { noteAudited } from '../application/audit-scope.js';

export interface AuditInput {
  actorId?: string | null;
  /** Defaults to `account` with an actorId, `system` without. */
  actorKind?: AuditActorKind;
  /** Retailer key id or the CLI's OS user. */
  actorRef?: string | null;
  action: string;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface AuditQuery {
  limit: number;
  cursor?: string;
  /** An account id, a retailer key id, or an OS user of the CLI. */
  actor?: string;
  actorId?: string;
  targetId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export interface AuditEntryView {
  id: string;
  at: string;
  actorId: string | null;
  actorKind: string;
  actorRef: string | null;
  action: string;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown> | null;
}

/** A row as written: the same normalisation whether Prisma or one composed statement writes it. */
function row(e: AuditInput) {
  return {
    id: randomUUID(),
    actorId: e.actorId ?? null,
    actorKind: e.actorKind ?? (e.actorId ? 'account' : 'system'),
    actorRef: e.actorRef?.slice(0, 200) ?? null,
    action: e.action,
    targetId: e.targetId ?? null,
    ip: e.ip?.slice(0, 100) ?? null,
    userAgent: e.userAgent?.slice(0, 500) ?? null,
    detail: sanitizeDetail(e.detail),
  };
}

/** The append-only audit trail (the table's trigger refuses UPDATE, DELETE and TRUNCATE). */
@Injectable()
export class PrismaAuditRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly replicas: ReadReplicas,
  ) {}

  async record(e: AuditInput, db: Tx | PrismaService = this.prisma): Promise<void> {
    const r = row(e);
    await db.iamAuditEntry.create({ data: { ...r, detail: (r.detail as object | null) ?? undefined } });
    noteAudited(e.action);
  }

  /**
   * The INSERT of one entry for a write that is one SQL statement (so the entry commits with
   * it), e.g. as a data-modifying CTE; `$<first>`… are its parameters. `from` (e.g. `FROM r`, the
   * CTE of the change) makes the entry depend on the change's row.
   */
  insertStatement(e: AuditInput, first: number, from = ''): { sql: string; values: unknown[] } {
    const r = row(e);
    const p = (i: number) => `$${first + i}`;
    return {
      sql: `INSERT INTO iam_audit_entry (id, actor_id, actor_kind, actor_ref, action, target_id, ip, user_agent, detail)
            SELECT ${p(0)}::uuid, ${p(1)}::uuid, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}::jsonb ${from}`,
      values: [
        r.id,
        r.actorId,
        r.actorKind,
        r.actorRef,
        r.action,
        r.targetId,
        r.ip,
        r.userAgent,
        r.detail ? JSON.stringify(r.detail) : null,
      ],
    };
  }

  /**
   * Newest first; the cursor carries the sequence number of the last entry seen. Every filter is
   * on an indexed column. The trail may lag by a second: from a replica when one is in rotation.
   */
  async list(q: AuditQuery): Promise<Page<AuditEntryView>> {
    const after = decodeCursor<[string]>(q.cursor, 1);
    if (after && !/^\d{1,19}$/.test(after[0]))
      throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
    const actor = q.actor
      ? isUUID(q.actor)
        ? { OR: [{ actorId: q.actor }, { actorRef: q.actor }] }
        : { actorRef: q.actor }
      : {};
    const rows = await this.replicas.read((db) =>
      db.iamAuditEntry.findMany({
        where: {
          ...(after ? { seq: { lt: BigInt(after[0]) } } : {}),
          ...actor,
          ...(q.actorId ? { actorId: q.actorId } : {}),
          ...(q.targetId ? { targetId: q.targetId } : {}),
          ...(q.action ? { action: q.action } : {}),
          ...(q.from || q.to
            ? { at: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) } }
            : {}),
        },
        orderBy: { seq: 'desc' },
        take: q.limit + 1,
      }),
    );
    return toPage(
      rows,
      q.limit,
      (r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actorId: r.actorId,
        actorKind: r.actorKind,
        actorRef: r.actorRef,
        action: r.action,
        targetId: r.targetId,
        ip: r.ip,
        userAgent: r.userAgent,
        detail: (r.detail as Record<string, unknown> | null) ?? null,
      }),
      (r) => [String(r.seq)],
    );
  }
}
