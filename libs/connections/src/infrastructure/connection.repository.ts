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
  /** false when an anti-farming cap was reached: the connection stands but earns nothing. */
  earnsPoints: boolean;
  noPointsReason: string | null;
}

/** The `connections_connection` table. */
@Injectable()
export class ConnectionRepository {
  constructor(readonly prisma: PrismaService) {}

  /**
   * Serialises connection attempts involving this officer or this citizen for the rest of the
   * transaction, so two concurrent accepts can neither both pass the 24 h pair rule nor both
   * earn the last point-earning slot of a cap. Always officer first, then citizen (distinct key
   * spaces), so two transactions cannot wait on each other.
   */
  async lockParties(tx: Tx, officerId: string, citizenId: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`connections:officer:${officerId}`}, 0))`;
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`connections:citizen:${citizenId}`}, 0))`;
  }

  /** Points-earning connections of the citizen since `citizenSince` and of the officer since `officerSince`. */
  async earnedSince(
    tx: Tx,
    citizenId: string,
    citizenSince: Date,
    officerId: string,
    officerSince: Date,
  ): Promise<{ citizenLastDay: number; officerLastHour: number }> {
    const [row] = await tx.$queryRaw<Array<{ citizen: number; officer: number }>>`
      SELECT
        count(*) FILTER (WHERE citizen_id = ${citizenId}::uuid AND established_at > ${citizenSince})::int AS citizen,
        count(*) FILTER (WHERE officer_id = ${officerId}::uuid AND established_at > ${officerSince})::int AS officer
      FROM connections_connection
      WHERE earns_points
        AND ((citizen_id = ${citizenId}::uuid AND established_at > ${citizenSince})
          OR (officer_id = ${officerId}::uuid AND established_at > ${officerSince}))`;
    return { citizenLastDay: row?.citizen ?? 0, officerLastHour: row?.officer ?? 0 };
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
