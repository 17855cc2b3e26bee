import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '@heyblue/platform';

export interface ConnectionRow {
  id: string;
  requestId: string;
  officerId: string;
  citizenId: string;
  establishedAt: Date;
  zip: string | null;
  cell: string;
  officerPoints: number;
  citizenPoints: number;
}

/** The `connections_connection` table. */
@Injectable()
export class ConnectionRepository {
  constructor(readonly prisma: PrismaService) {}

  /**
   * Serialises connection attempts of one pair for the rest of the transaction, so two
   * concurrent accepts cannot both pass the 24 h rule.
   */
  async lockPair(tx: Tx, officerId: string, citizenId: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`connections:pair:${officerId}:${citizenId}`}, 0))`;
  }

  async lastConnectionAt(db: Tx | PrismaService, officerId: string, citizenId: string): Promise<Date | null> {
    const last = await db.connectionsConnection.findFirst({
      where: { officerId, citizenId },
      orderBy: { establishedAt: 'desc' },
      select: { establishedAt: true },
    });
    return last?.establishedAt ?? null;
  }

  async insert(tx: Tx, row: Omit<ConnectionRow, 'officerPoints' | 'citizenPoints'>): Promise<ConnectionRow> {
    return tx.connectionsConnection.create({ data: row });
  }

  async findByRequest(requestId: string): Promise<ConnectionRow | null> {
    return this.prisma.connectionsConnection.findUnique({ where: { requestId } });
  }

  /** An account's connections, newest first, keyset-paginated on (establishedAt, id). */
  async listFor(
    accountId: string,
    limit: number,
    after?: { establishedAt: Date; id: string },
  ): Promise<ConnectionRow[]> {
    return this.prisma.connectionsConnection.findMany({
      where: {
        AND: [
          { OR: [{ officerId: accountId }, { citizenId: accountId }] },
          after
            ? {
                OR: [
                  { establishedAt: { lt: after.establishedAt } },
                  { establishedAt: after.establishedAt, id: { lt: after.id } },
                ],
              }
            : {},
        ],
      },
      orderBy: [{ establishedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }

  /** Records the points Rewards awarded one side of a connection. */
  async recordPoints(tx: Tx, connectionId: string, accountId: string, points: number): Promise<void> {
    await tx.$executeRaw`
      UPDATE connections_connection SET
        officer_points = CASE WHEN officer_id = ${accountId}::uuid THEN ${points} ELSE officer_points END,
        citizen_points = CASE WHEN citizen_id = ${accountId}::uuid THEN ${points} ELSE citizen_points END
      WHERE id = ${connectionId}::uuid`;
  }
}
