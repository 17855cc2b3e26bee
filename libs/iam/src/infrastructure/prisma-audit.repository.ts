import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '@heyblue/platform';

export interface AuditInput {
  actorId?: string | null;
  action: string;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown> | null;
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

  /** Newest first; the cursor is the sequence number of the last entry seen. */
  async list(q: { limit: number; cursor?: string; actorId?: string; targetId?: string; action?: string }): Promise<{ items: AuditEntryView[]; nextCursor: string | null }> {
    const rows = await this.prisma.iamAuditEntry.findMany({
      where: {
        ...(q.cursor ? { seq: { lt: BigInt(q.cursor) } } : {}),
        ...(q.actorId ? { actorId: q.actorId } : {}),
        ...(q.targetId ? { targetId: q.targetId } : {}),
        ...(q.action ? { action: q.action } : {}),
      },
      orderBy: { seq: 'desc' },
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return {
      items: page.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actorId: r.actorId,
        action: r.action,
        targetId: r.targetId,
        ip: r.ip,
        userAgent: r.userAgent,
        detail: (r.detail as Record<string, unknown> | null) ?? null,
      })),
      nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.seq) : null,
    };
  }
}
