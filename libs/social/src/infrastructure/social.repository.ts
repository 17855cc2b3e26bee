import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '@heyblue/platform';
import type { SocialPlatform } from '../domain/platforms.js';

export type DeliveryStatus = 'queued' | 'sent' | 'failed' | 'dead';

/** Social's own tables: posts, deliveries, projections, quotes. */
@Injectable()
export class SocialRepository {
  constructor(private readonly prisma: PrismaService) {}

  async createPost(p: {
    id: string;
    text: string;
    connectionId: string | null;
    createdBy: string;
    platforms: SocialPlatform[];
  }): Promise<void> {
    await this.prisma.socialPost.create({
      data: {
        id: p.id,
        text: p.text,
        connectionId: p.connectionId,
        createdBy: p.createdBy,
        deliveries: { create: p.platforms.map((platform) => ({ platform })) },
      },
    });
  }

  post(id: string) {
    return this.prisma.socialPost.findUnique({
      where: { id },
      include: { deliveries: { orderBy: { platform: 'asc' } } },
    });
  }

  delivery(postId: string, platform: string) {
    return this.prisma.socialDelivery.findUnique({ where: { postId_platform: { postId, platform } } });
  }

  async recordAttempt(
    postId: string,
    platform: string,
    r: { status: DeliveryStatus; error?: string; externalId?: string | null },
  ): Promise<void> {
    await this.prisma.socialDelivery.update({
      where: { postId_platform: { postId, platform } },
      data: {
        status: r.status,
        attempts: { increment: 1 },
        lastError: r.error?.slice(0, 1_000) ?? null,
        ...(r.status === 'sent' ? { externalId: r.externalId ?? null, sentAt: new Date() } : {}),
        updatedAt: new Date(),
      },
    });
  }

  async requeue(postId: string, platform: string): Promise<void> {
    await this.prisma.socialDelivery.update({
      where: { postId_platform: { postId, platform } },
      data: { status: 'queued', updatedAt: new Date() },
    });
  }

  async rememberConnection(
    tx: Tx,
    c: { connectionId: string; officerId: string; citizenId: string; establishedAt: Date },
  ): Promise<void> {
    await tx.socialConnection.createMany({ data: [c], skipDuplicates: true });
  }

  /** Keeps the newest consent per account (events may arrive out of order). */
  async rememberConsent(tx: Tx, accountId: string, shareConsent: boolean, updatedAt: Date): Promise<void> {
    await tx.$executeRaw`
      INSERT INTO social_consent (account_id, share_consent, updated_at) VALUES (${accountId}::uuid, ${shareConsent}, ${updatedAt})
      ON CONFLICT (account_id) DO UPDATE SET share_consent = EXCLUDED.share_consent, updated_at = EXCLUDED.updated_at
      WHERE social_consent.updated_at <= EXCLUDED.updated_at`;
  }

  /** Both sides' consent for a connection, or null when the connection is unknown here. */
  async consentsFor(connectionId: string): Promise<{ officer: boolean; citizen: boolean } | null> {
    const c = await this.prisma.socialConnection.findUnique({ where: { connectionId } });
    if (!c) return null;
    const rows = await this.prisma.socialConsent.findMany({
      where: { accountId: { in: [c.officerId, c.citizenId] } },
    });
    const of = (id: string) => rows.find((r) => r.accountId === id)?.shareConsent ?? false;
    return { officer: of(c.officerId), citizen: of(c.citizenId) };
  }

  async randomQuote(): Promise<{ text: string; author: string } | null> {
    const rows = await this.prisma.$queryRaw<
      Array<{ text: string; author: string }>
    >`SELECT text, author FROM social_quote ORDER BY random() LIMIT 1`;
    return rows[0] ?? null;
  }
}
