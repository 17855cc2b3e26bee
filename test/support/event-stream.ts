// A realistic mixed stream of integration events through the real outbox, shared by the
// consumers' e2e test and bench:events: accounts created (sometimes after their first other
// event), roles changed, connections established (Rewards then earns points through its own
// consumer), offers redeemed and points donated through Rewards' real handlers. It keeps a
// tally of what it caused, so every projection can be checked against its source afterwards.
import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { ConnectionEstablished } from '@heyblue/connections';
import { AccountCreated, AccountRoleChanged } from '@heyblue/iam';
import { OutboxService, PrismaService, type IntegrationEvent } from '@heyblue/platform';
import { RewardsApi } from '@heyblue/rewards';
import { newTrophies } from '../../libs/profile/src/domain/trophies.js';
import { DonatePointsHandler } from '../../libs/rewards/src/application/donate-points/donate-points.handler.js';
import { RedeemOfferHandler } from '../../libs/rewards/src/application/redeem-offer/redeem-offer.handler.js';

type Role = 'citizen' | 'officer';

interface Account {
  id: string;
  role: Role;
  created: boolean;
  /** The time of the newest role fact published (AccountCreated or AccountRoleChanged). */
  roleAsOf: number;
  connections: number;
  zips: Set<string>;
  donations: number;
  donated: number;
}

export interface StreamCounts {
  accountsCreated: number;
  roleChanges: number;
  connections: number;
  redemptions: number;
  donations: number;
  /** Redemptions and donations refused for want of points (nothing published). */
  refused: number;
  /** Operations tried again because no database connection was free in time. */
  retried: number;
}

const ZIPS = ['10001', '10002', '10003', '60601', '94103'];

/** What an account's profile must show once every event was applied (points come from the ledger). */
export interface ExpectedProfile {
  id: string;
  role: Role;
  connectionsCount: number;
  trophies: string[];
}

export class MixedEventStream {
  readonly counts: StreamCounts = {
    accountsCreated: 0,
    roleChanges: 0,
    connections: 0,
    redemptions: 0,
    donations: 0,
    refused: 0,
    retried: 0,
  };
  private readonly accounts: Account[];
  private readonly officers: Account[];
  private readonly citizens: Account[];
  private readonly uncreated: Account[];
  private offerId = '';
  private charityId = '';
  private clock = Date.now() - 3_600_000;

  constructor(
    private readonly app: INestApplicationContext,
    size: { officers: number; citizens: number },
  ) {
    const make = (role: Role): Account => ({
      id: randomUUID(),
      role,
      created: false,
      roleAsOf: 0,
      connections: 0,
      zips: new Set(),
      donations: 0,
      donated: 0,
    });
    this.officers = Array.from({ length: size.officers }, () => make('officer'));
    this.citizens = Array.from({ length: size.citizens }, () => make('citizen'));
    this.accounts = [...this.officers, ...this.citizens];
    this.uncreated = [...this.accounts];
  }

  /** The offer citizens redeem and the charity officers give to (through Rewards' catalogue, as the ETL does). */
  async prepare(): Promise<void> {
    const api = this.app.get(RewardsApi);
    const retailer = `stream-retailer-${randomUUID().slice(0, 8)}`;
    await api.upsertRetailer({ externalId: retailer, name: 'Stream retailer' });
    const offer = await api.upsertOffer({
      externalId: `stream-offer-${randomUUID().slice(0, 8)}`,
      retailerExternalId: retailer,
      title: 'Coffee',
      pointsCost: 10,
      discount: '10% off',
      validFrom: new Date(Date.now() - 86_400_000),
      validUntil: new Date(Date.now() + 30 * 86_400_000),
      maxRedemptions: null,
      zips: [],
    });
    this.offerId = offer.id;
    const charity = await api.upsertCharity({
      externalId: `stream-charity-${randomUUID().slice(0, 8)}`,
      name: 'Stream charity',
      description: 'Gives to the community',
      website: 'https://charity.example.org',
      ein: '12-3456789',
    });
    this.charityId = charity.id;
  }

  /**
   * One operation, as one request would make it (its own transaction). Like a phone after a 503,
   * it tries again when the pool had no connection for it in time (the transaction never
   * started, so nothing happened): on a busy CI machine the consumers' transactions hold many.
   */
  async step(random: () => number = Math.random): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(random);
      } catch (err) {
        const noConnection =
          (err as { code?: string }).code === 'P2028' ||
          String((err as Error).message).includes('Unable to start a transaction');
        if (attempt >= 5 || !noConnection) throw err;
        this.counts.retried += 1;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }

  private async once(random: () => number): Promise<void> {
    const r = random();
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
    // Accounts are created along the way (one step in ten while some are left), so an account's
    // first event is often another one and AccountCreated arrives late, as it may in production.
    if (this.uncreated.length > 0 && random() < 0.1) {
      const [a] = this.uncreated.splice(Math.floor(random() * this.uncreated.length), 1);
      try {
        return await this.create(a!);
      } catch (err) {
        this.uncreated.push(a!); // not published: still to be created
        throw err;
      }
    }
    if (r < 0.5) return this.connect(pick(this.officers), pick(this.citizens), pick(ZIPS));
    if (r < 0.75) return this.redeem(pick(this.citizens));
    if (r < 0.95) return this.donate(pick(this.officers));
    return this.changeRole(pick(this.accounts));
  }

  /** Creates every account not created yet (the end of a run). */
  async finish(): Promise<void> {
    for (const a of this.uncreated.splice(0)) await this.create(a);
  }

  private tick(): Date {
    this.clock += 1;
    return new Date(this.clock);
  }

  private async publish(...events: IntegrationEvent<object>[]): Promise<void> {
    const outbox = this.app.get(OutboxService);
    await this.app.get(PrismaService).$transaction((tx) => outbox.publish(tx, ...events));
    outbox.kick();
  }

  // The tallies change only once the event is published (a failed attempt is tried again).
  private async create(a: Account): Promise<void> {
    const at = this.tick();
    // Created before any role change already published for it (it only arrived late).
    const occurredAt = a.roleAsOf > 0 ? new Date(a.roleAsOf - 1_800_000) : at;
    await this.publish(
      new AccountCreated(
        { accountId: a.id, role: a.role, displayName: null, precinct: null },
        { occurredAt: occurredAt.toISOString() },
      ),
    );
    a.created = true;
    a.roleAsOf = Math.max(a.roleAsOf, at.getTime());
    this.counts.accountsCreated += 1;
  }

  /**
   * A role change that does not move the account between the officer and citizen pools (a
   * citizen stays a citizen for connections): it exercises the projections' role path.
   */
  private async changeRole(a: Account): Promise<void> {
    const at = this.tick();
    a.roleAsOf = at.getTime();
    await this.publish(
      new AccountRoleChanged(
        {
          accountId: a.id,
          previousRole: a.role,
          role: a.role,
          changedBy: null,
          precinct: `P${a.id.slice(0, 2)}`,
        },
        { occurredAt: at.toISOString() },
      ),
    );
    this.counts.roleChanges += 1;
  }

  private async connect(officer: Account, citizen: Account, zip: string): Promise<void> {
    const at = this.tick();
    await this.publish(
      new ConnectionEstablished({
        connectionId: randomUUID(),
        officerId: officer.id,
        citizenId: citizen.id,
        establishedAt: at.toISOString(),
        zip,
        cell: '9q8yy',
      }),
    );
    for (const a of [officer, citizen]) {
      a.connections += 1;
      a.zips.add(zip);
    }
    this.counts.connections += 1;
  }

  private async redeem(citizen: Account): Promise<void> {
    try {
      await this.app.get(RedeemOfferHandler).execute({ accountId: citizen.id, offerId: this.offerId });
      this.counts.redemptions += 1;
    } catch (err) {
      if ((err as { code?: string }).code !== 'INSUFFICIENT_POINTS') throw err;
      this.counts.refused += 1;
    }
  }

  private async donate(officer: Account): Promise<void> {
    const points = 20;
    try {
      await this.app
        .get(DonatePointsHandler)
        .execute({ accountId: officer.id, charityId: this.charityId, points });
      officer.donations += 1;
      officer.donated += points;
      this.counts.donations += 1;
    } catch (err) {
      if ((err as { code?: string }).code !== 'INSUFFICIENT_POINTS') throw err;
      this.counts.refused += 1;
    }
  }

  /** Every account's expected profile (role, connections, trophies), from what the stream caused. */
  expectedProfiles(): ExpectedProfile[] {
    return this.accounts.map((a) => ({
      id: a.id,
      role: a.role,
      connectionsCount: a.connections,
      trophies: newTrophies(
        {
          connections: a.connections,
          distinctZips: a.zips.size,
          donations: a.donations,
          donatedPoints: a.donated,
        },
        [],
      ).sort(),
    }));
  }

  accountIds(): string[] {
    return this.accounts.map((a) => a.id);
  }
}

/** Runs `operations` steps of the stream with `concurrency` of them in flight (requests at once). */
export async function runStream(
  stream: MixedEventStream,
  operations: number,
  concurrency: number,
  random: () => number = Math.random,
): Promise<void> {
  let left = operations;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left -= 1;
        await stream.step(random);
      }
    }),
  );
}

/** A small seeded generator (mulberry32): the same seed replays the same interleaving of choices. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
