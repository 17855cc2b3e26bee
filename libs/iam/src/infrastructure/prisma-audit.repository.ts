import { Injectable } from '@nestjs/common';
import { decodeCursor, PrismaService, toPage, ValidationFailed, type Page, type Tx } from '@heyblue/platform';

export interface AuditInput {
  actorId?: string | null;
  action: string;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface AuditQuery {
  limit: number;
  cursor?: string;
  actorId?: string;
  targetId?: string;
  action?: string;
}

export interface AuditEntryView {
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown> | null;
}

/** The append-only audit trail. */
@Injectable()
export class PrismaAuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  async record(e: AuditInput, db: Tx | PrismaService = this.prisma): Promise<void> {
    await db.iamAuditEntry.create({
      data: {
        actorId: e.actorId ?? null,
        action: e.action,
        targetId: e.targetId ?? null,
        ip: e.ip?.slice(0, 100) ?? null,
        userAgent: e.userAgent?.slice(0, 500) ?? null,
        // Round-trip through JSON so callers may pass Dates and other serialisable values.
        detail: e.detail ? (JSON.parse(JSON.stringify(e.detail)) as object) : undefined,
      },
    });
  }

  /** Newest first; the cursor carries the sequence number of the last entry seen. */
  async list(q: AuditQuery): Promise<Page<AuditEntryView>> {
    const after = decodeCursor<[string]>(q.cursor, 1);
    if (after && !/^\d{1,19}$/.test(after[0])) throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
    const rows = await this.prisma.iamAuditEntry.findMany({
      where: {
        ...(after ? { seq: { lt: BigInt(after[0]) } } : {}),
        ...(q.actorId ? { actorId: q.actorId } : {}),
        ...(q.targetId ? { targetId: q.targetId } : {}),
        ...(q.action ? { action: q.action } : {}),
      },
      orderBy: { seq: 'desc' },
      take: q.limit + 1,
    });
    return toPage(
      rows,
      q.limit,
      (r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actorId: r.actorId,
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
