import { randomUUID } from 'node:crypto';
import { ConnectionEstablished } from '@heyblue/connections';
import { IntegrationEvent, OutboxService, PrismaService, QueueFactory } from '@heyblue/platform';
import { PointsEarned, RewardsApi } from '@heyblue/rewards';
import type { TestApp } from '../support/app.js';
import { eventually } from '../support/poll.js';

export async function publish(t: TestApp, ...events: IntegrationEvent<object>[]): Promise<void> {
  const outbox = t.app.get(OutboxService);
  await t.app.get(PrismaService).$transaction((tx) => outbox.publish(tx, ...events));
  outbox.kick();
}

export function connectionEvent(p: {
  citizenId: string;
  officerId: string;
  zip?: string | null;
  at?: Date;
  connectionId?: string;
}): ConnectionEstablished {
  return new ConnectionEstablished({
    connectionId: p.connectionId ?? randomUUID(),
    officerId: p.officerId,
    citizenId: p.citizenId,
    establishedAt: (p.at ?? new Date()).toISOString(),
    zip: p.zip === undefined ? '10001' : p.zip,
    cell: '9q8yy',
  });
}

/** A citizen's PointsEarned for a connection, as Rewards publishes it (dated `at`, now by default). */
export function pointsEarnedEvent(p: {
  accountId: string;
  points: number;
  balance?: number;
  seq?: number;
  zip?: string | null;
  at?: string;
}): PointsEarned {
  const at = p.at ?? new Date().toISOString();
  return new PointsEarned(
    {
      accountId: p.accountId,
      role: 'citizen',
      points: p.points,
      reason: 'connection',
      connectionId: randomUUID(),
      multiplier: 1,
      schemeId: null,
      zip: p.zip ?? null,
      balance: p.balance ?? p.points,
      ledgerSeq: String(p.seq ?? 1),
      entryId: randomUUID(),
      earnedAt: at,
    },
    { occurredAt: at },
  );
}

export async function ledgerBalance(t: TestApp, accountId: string): Promise<number> {
  return t.app.get(RewardsApi).getBalance(accountId);
}

/** Earns points through the real event path (outbox → queue → consumer → ledger) and waits for them. */
export async function earn(t: TestApp, accountId: string, connections: number): Promise<number> {
  const prisma = t.app.get(PrismaService);
  const before = await prisma.rewardsLedgerEntry.count({ where: { accountId, reason: 'connection' } });
  await publish(
    t,
    ...Array.from({ length: connections }, () =>
      connectionEvent({ citizenId: accountId, officerId: randomUUID(), zip: null }),
    ),
  );
  await eventually(
    () => prisma.rewardsLedgerEntry.count({ where: { accountId, reason: 'connection' } }),
    (n) => n >= before + connections,
    { what: `connection points for ${accountId}` },
  );
  return ledgerBalance(t, accountId);
}

let seq = 0;
/** A retailer and an offer through the catalogue facade (as the ETL does). */
export async function givenOffer(
  t: TestApp,
  o: {
    pointsCost?: number;
    maxRedemptions?: number | null;
    zips?: string[];
    validFrom?: Date;
    validUntil?: Date;
    retailer?: string;
  } = {},
): Promise<{ offerId: string; retailerExternalId: string; retailerId: string }> {
  const api = t.app.get(RewardsApi);
  const n = ++seq;
  const retailerExternalId = o.retailer ?? `r-${n}-${randomUUID().slice(0, 8)}`;
  const retailer = await api.upsertRetailer({ externalId: retailerExternalId, name: `Retailer ${n}` });
  const offer = await api.upsertOffer({
    externalId: `o-${n}-${randomUUID().slice(0, 8)}`,
    retailerExternalId,
    title: `Offer ${String(n).padStart(3, '0')}`,
    pointsCost: o.pointsCost ?? 10,
    discount: '10% off',
    validFrom: o.validFrom ?? new Date(Date.now() - 86_400_000),
    validUntil: o.validUntil ?? new Date(Date.now() + 30 * 86_400_000),
    maxRedemptions: o.maxRedemptions ?? null,
    zips: o.zips ?? [],
  });
  return { offerId: offer.id, retailerExternalId, retailerId: retailer.id };
}

/** A municipality covering `zips` and one scheme of it, through the catalogue facade (as the ETL does). */
export async function givenScheme(
  t: TestApp,
  s: {
    zips: string[];
    multiplier: number;
    title?: string;
    municipality?: { name: string; state: string };
    validFrom?: Date;
    validUntil?: Date;
  },
): Promise<{ schemeId: string }> {
  const api = t.app.get(RewardsApi);
  const n = ++seq;
  const municipalityExternalId = `m-${n}-${randomUUID().slice(0, 8)}`;
  await api.upsertMunicipality({
    externalId: municipalityExternalId,
    name: s.municipality?.name ?? `Town ${n}`,
    state: s.municipality?.state ?? 'NY',
    zips: s.zips,
  });
  const scheme = await api.upsertScheme({
    externalId: `s-${n}-${randomUUID().slice(0, 8)}`,
    municipalityExternalId,
    title: s.title ?? `Scheme ${n}`,
    multiplier: s.multiplier,
    validFrom: s.validFrom ?? new Date(Date.now() - 86_400_000),
    validUntil: s.validUntil ?? new Date(Date.now() + 86_400_000),
  });
  return { schemeId: scheme.id };
}

/**
 * Waits until the outbox is relayed and every event queue is idle, so a test app closes
 * with no consumer mid-flight (pushes after the socket adapter closed would fail the run).
 */
export async function drained(t: TestApp, timeoutMs = 15_000): Promise<void> {
  await eventually(
    async () => {
      const pending = await t.app.get(PrismaService).outboxEvent.count({ where: { dispatchedAt: null } });
      const queues = t.app
        .get(QueueFactory)
        .all()
        .filter((q) => q.name.startsWith('events.'));
      const counts = await Promise.all(queues.map((q) => q.getJobCounts()));
      return pending + counts.reduce((n, c) => n + c.waiting + c.active + c.delayed, 0);
    },
    (busy) => busy === 0,
    { what: 'idle event queues', timeoutMs },
  );
}
