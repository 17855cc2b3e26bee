import { randomUUID } from 'node:crypto';
import { AccountCreated, AccountRoleChanged } from '@heyblue/iam';
import { PrismaService, QueueFactory } from '@heyblue/platform';
import { PointsDonated, PointsRedeemed, RewardsApi } from '@heyblue/rewards';
import { RedisDisplayNames } from '../../libs/connections/src/infrastructure/redis-display-names.js';
import { ProfileProjector } from '../../libs/profile/src/application/projections/profile.projector.js';
import { DonatePointsHandler } from '../../libs/rewards/src/application/donate-points/donate-points.handler.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/poll.js';
import { connectionEvent, publish, drained, pointsEarnedEvent } from '../rewards/rewards-fixtures.js';

const earned = (accountId: string, seq: number, balance: number, points = 10) =>
  pointsEarnedEvent({ accountId, points, balance, seq });

describe('profile projections (real PostgreSQL, outbox, queues)', () => {
  let t: TestApp;
  let prisma: PrismaService;
  const profile = (id: string) => prisma.profile.findUnique({ where: { id } });
  const trophies = async (id: string) =>
    (await prisma.profileTrophy.findMany({ where: { accountId: id }, orderBy: { code: 'asc' } })).map(
      (r) => r.code,
    );

  beforeAll(async () => {
    t = await startTestApp({
      REWARDS_POINTS_PER_CONNECTION_CITIZEN: '10',
      REWARDS_POINTS_PER_CONNECTION_OFFICER: '300',
    });
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    await drained(t);
    await t.close();
  });

  it('creates a default profile when AccountCreated arrives', async () => {
    const accountId = randomUUID();
    await publish(
      t,
      new AccountCreated({ accountId, role: 'officer', displayName: '  Jane   Doe ', precinct: '14th' }),
    );
    const p = await eventually(() => profile(accountId), Boolean, { what: 'profile' });
    expect(p).toMatchObject({
      // Officer safety: first name and last initial, not the provider's full name.
      displayName: 'Jane D.',
      role: 'officer',
      precinct: '14th',
      pointsBalance: 0,
      connectionsCount: 0,
      shareConsent: false,
    });
  });

  it('gives a citizen promoted to officer the officer default name, keeps a chosen one, and tells Connections (what citizens see next to the officer)', async () => {
    const [promoted, chosen] = [randomUUID(), randomUUID()];
    for (const id of [promoted, chosen])
      await publish(
        t,
        new AccountCreated(
          { accountId: id, role: 'citizen', displayName: 'Robin Hood Locksley', precinct: null },
          { occurredAt: new Date(Date.now() - 60_000) },
        ),
      );
    await eventually(
      () => profile(chosen),
      (p) => p?.displayName === 'Robin Hood Locksley',
    );
    await prisma.profile.update({
      where: { id: chosen },
      data: { displayName: 'Sgt Robin', displayNameCustom: true },
    });
    for (const id of [promoted, chosen])
      await publish(
        t,
        new AccountRoleChanged({
          accountId: id,
          previousRole: 'citizen',
          role: 'officer',
          changedBy: null,
          precinct: '2nd',
        }),
      );
    await eventually(
      () => profile(promoted),
      (p) => p?.displayName === 'Robin L.',
      { what: 'officer default name' },
    );
    await eventually(
      () => profile(chosen),
      (p) => p?.role === 'officer',
    );
    expect((await profile(chosen))!.displayName).toBe('Sgt Robin');
    const names = t.app.get(RedisDisplayNames);
    await eventually(
      () => names.lookup([promoted]),
      (m) => m.get(promoted) === 'Robin L.',
      { what: 'name in nearby answers' },
    );
  });

  it('counts connections once each, awards trophies once, and publishes TrophyAwarded', async () => {
    const citizenId = randomUUID();
    const zips = ['10001', '10002', '10003', '10003'];
    const events = zips.map((zip) => connectionEvent({ citizenId, officerId: randomUUID(), zip }));
    // The first connection delivered twice under different event ids (a producer retry).
    events.push(
      connectionEvent({
        citizenId,
        officerId: events[0]!.payload.officerId,
        zip: '10001',
        connectionId: events[0]!.payload.connectionId,
      }),
    );
    await publish(t, ...events);
    await eventually(
      () => trophies(citizenId),
      (codes) => codes.includes('THREE_ZIPS'),
      { what: 'THREE_ZIPS trophy' },
    );
    await eventually(
      async () => (await profile(citizenId))?.connectionsCount,
      (n) => n === 4,
      { what: 'four connections' },
    );
    expect(await trophies(citizenId)).toEqual(['FIRST_CONNECTION', 'THREE_ZIPS']);
    const awarded = await prisma.outboxEvent.findMany({ where: { type: 'TrophyAwarded' } });
    const mine = awarded
      .filter((e) => (e.payload as { accountId: string }).accountId === citizenId)
      .map((e) => (e.payload as { code: string }).code);
    expect(mine.sort()).toEqual(['FIRST_CONNECTION', 'THREE_ZIPS']);
  });

  it('projects the ledger balance from PointsEarned and converges to the ledger', async () => {
    const citizenId = randomUUID();
    await publish(
      t,
      connectionEvent({ citizenId, officerId: randomUUID(), zip: null }),
      connectionEvent({ citizenId, officerId: randomUUID(), zip: null }),
    );
    const ledger = await eventually(
      () => t.app.get(RewardsApi).getBalance(citizenId),
      (b) => b === 20,
    );
    await eventually(
      () => profile(citizenId),
      (p) => p?.pointsBalance === ledger,
      { what: 'projected balance' },
    );
  });

  it('ignores an older balance that arrives late and a repeated event', async () => {
    const accountId = randomUUID();
    const newer = earned(accountId, 1_000_005, 50);
    const older = earned(accountId, 1_000_003, 30);
    await publish(t, newer);
    await eventually(
      () => profile(accountId),
      (p) => p?.pointsBalance === 50,
    );
    await publish(t, older);
    // The same envelope redelivered by the queue.
    await t.app
      .get(QueueFactory)
      .get('events.profile')
      .add(
        { handlerId: 'profile.on-points-earned', event: older.toEnvelope() },
        { jobId: `again-${older.id}` },
      );
    // A later marker event on the same queue proves the late ones were processed first.
    const marker = randomUUID();
    await publish(t, earned(marker, 1, 1));
    await eventually(
      () => profile(marker),
      (p) => p?.pointsBalance === 1,
      { what: 'marker' },
    );
    await eventually(
      () =>
        prisma.processedEvent.count({ where: { eventId: older.id, handlerId: 'profile.on-points-earned' } }),
      (n) => n === 1,
    );
    expect((await profile(accountId))?.pointsBalance).toBe(50);
  });

  it('applies a batch of points moves in one statement as one by one would: the newest ledger entry per account wins', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const spent = new PointsRedeemed({
      accountId: a,
      points: 10,
      offerId: randomUUID(),
      retailerId: randomUUID(),
      voucherId: randomUUID(),
      balance: 90,
      ledgerSeq: '2000011',
      entryId: randomUUID(),
      redeemedAt: new Date().toISOString(),
    });
    const projector = t.app.get(ProfileProjector);
    const moves = [earned(a, 2_000_010, 100), earned(a, 2_000_012, 120), spent, earned(b, 2_000_001, 7)];
    await prisma.$transaction((tx) =>
      projector.onPointsMoves(
        moves.map((e) => e.toEnvelope()),
        tx,
      ),
    );
    expect(await profile(a)).toMatchObject({ pointsBalance: 120, balanceSeq: 2_000_012n, role: 'citizen' });
    expect(await profile(b)).toMatchObject({ pointsBalance: 7, balanceSeq: 2_000_001n });

    // Only older moves: nothing changes.
    await prisma.$transaction((tx) =>
      projector.onPointsMoves([spent.toEnvelope(), earned(b, 2_000_000, 3).toEnvelope()], tx),
    );
    expect(await profile(a)).toMatchObject({ pointsBalance: 120, balanceSeq: 2_000_012n });
    expect(await profile(b)).toMatchObject({ pointsBalance: 7, balanceSeq: 2_000_001n });

    // The same moves as one batch job through the queue, out of order, with a repeat.
    const c = randomUUID();
    const queued = [earned(c, 5, 50), earned(c, 7, 70), earned(c, 6, 60)];
    const deliveries = [...queued, queued[1]!].map((e) => ({
      handlerId: 'profile.on-points-earned',
      event: e.toEnvelope(),
    }));
    await t.app
      .get(QueueFactory)
      .get('events.profile')
      .add({ batch: deliveries }, { jobId: `batch:test:${queued[0]!.id}` });
    await eventually(
      () =>
        prisma.processedEvent.count({
          where: { handlerId: 'profile.on-points-earned', eventId: { in: queued.map((e) => e.id) } },
        }),
      (n) => n === 3,
      { what: 'the batch applied' },
    );
    expect(await profile(c)).toMatchObject({ pointsBalance: 70, balanceSeq: 7n });
  });

  it('applies a batch of connections and of donations as one by one would: counts, trophies once each, repeats ignored', async () => {
    const queue = t.app.get(QueueFactory).get('events.profile');
    /** One batch job through the queue, as the relay makes them; resolves once every delivery is applied. */
    const deliver = async (handlerId: string, events: Array<{ id: string }>) => {
      await queue.add(
        { batch: events.map((event) => ({ handlerId, event })) },
        { jobId: `batch:test:${events[0]!.id}` },
      );
      await eventually(
        () => prisma.processedEvent.count({ where: { handlerId, eventId: { in: events.map((e) => e.id) } } }),
        (n) => n === new Set(events.map((e) => e.id)).size,
        { what: `a batch of ${handlerId}` },
      );
    };
    const officerId = randomUUID();
    const citizens = Array.from({ length: 11 }, () => randomUUID());
    const zips = ['10001', '10002', '10003'];
    const events = citizens.map((citizenId, k) =>
      connectionEvent({ citizenId, officerId, zip: zips[k % 3]! }),
    );
    // A repeat of the first connection in the same batch (a producer retry: another event id).
    const again = connectionEvent({
      citizenId: citizens[0]!,
      officerId,
      zip: '10001',
      connectionId: events[0]!.payload.connectionId,
    });
    const batch = [...events, again].map((e) => e.toEnvelope());
    await deliver('profile.on-connection-established', batch);
    expect(await profile(officerId)).toMatchObject({ connectionsCount: 11, role: 'officer' });
    expect(await profile(citizens[0]!)).toMatchObject({ connectionsCount: 1, role: 'citizen' });
    expect(await trophies(officerId)).toEqual(['CONNECTIONS_10', 'FIRST_CONNECTION', 'THREE_ZIPS']);
    expect(await trophies(citizens[5]!)).toEqual(['FIRST_CONNECTION']);
    // The same connections again under new event ids: nothing moves, nothing is awarded twice.
    await deliver(
      'profile.on-connection-established',
      batch.map((e) => ({ ...e, id: randomUUID() })),
    );
    expect(await profile(officerId)).toMatchObject({ connectionsCount: 11 });
    const awardedTo = async (accountId: string) =>
      (await prisma.outboxEvent.findMany({ where: { type: 'TrophyAwarded' } }))
        .filter((e) => (e.payload as { accountId: string }).accountId === accountId)
        .map((e) => (e.payload as { code: string }).code)
        .sort();
    expect(await awardedTo(officerId)).toEqual(['CONNECTIONS_10', 'FIRST_CONNECTION', 'THREE_ZIPS']);

    // Donations: the newest ledger entry's balance wins, each donation counts once.
    const donated = (points: number, balance: number, seq: number) =>
      new PointsDonated({
        accountId: officerId,
        charityId: randomUUID(),
        donationId: randomUUID(),
        points,
        balance,
        ledgerSeq: String(seq),
        entryId: randomUUID(),
        donatedAt: new Date().toISOString(),
      }).toEnvelope();
    const first = donated(400, 2_600, 3_000_002);
    await deliver('profile.on-points-donated', [
      donated(600, 2_000, 3_000_003),
      first,
      { ...first, id: randomUUID() },
    ]);
    expect(await profile(officerId)).toMatchObject({ pointsBalance: 2_000, balanceSeq: 3_000_003n });
    expect(await prisma.profileDonation.count({ where: { accountId: officerId } })).toBe(2);
    expect(await awardedTo(officerId)).toEqual([
      'CONNECTIONS_10',
      'DONATED_1000',
      'FIRST_CONNECTION',
      'FIRST_DONATION',
      'THREE_ZIPS',
    ]);
  });

  it('takes the row locks of a batch in account order, so batches crossing the same accounts wait instead of deadlocking', async () => {
    const [a, b] = [randomUUID(), randomUUID()].sort() as [string, string];
    const projector = t.app.get(ProfileProjector);
    const apply = (
      tx: Parameters<Parameters<PrismaService['$transaction']>[0]>[0],
      ...moves: ReturnType<typeof earned>[]
    ) =>
      projector.onPointsMoves(
        moves.map((m) => m.toEnvelope()),
        tx,
      );
    await prisma.$transaction((tx) => apply(tx, earned(a, 3_000_001, 1), earned(b, 3_000_001, 1)));
    let second: Promise<void> | undefined;
    await prisma.$transaction(
      async (tx) => {
        await apply(tx, earned(a, 3_000_010, 10)); // holds a
        // The other batch names b first; in account order it asks for a first and waits, holding nothing.
        second = prisma.$transaction(
          (tx2) => apply(tx2, earned(b, 3_000_021, 21), earned(a, 3_000_020, 20)),
          { timeout: 20_000 },
        );
        await eventually(
          () =>
            prisma.$queryRaw<
              Array<{ n: bigint }>
            >`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          (r) => Number(r[0]!.n) === 1,
          { what: 'the second batch waiting on a row lock' },
        );
        await apply(tx, earned(b, 3_000_011, 11)); // b is free: no deadlock
      },
      { timeout: 20_000 },
    );
    await second;
    expect(await profile(a)).toMatchObject({ pointsBalance: 20, balanceSeq: 3_000_020n });
    expect(await profile(b)).toMatchObject({ pointsBalance: 21, balanceSeq: 3_000_021n });
  });

  it('keeps what arrived before AccountCreated and takes the name when it comes', async () => {
    const accountId = randomUUID();
    await publish(t, earned(accountId, 2_000_001, 25));
    await eventually(
      () => profile(accountId),
      (p) => p?.pointsBalance === 25,
    );
    await publish(
      t,
      new AccountCreated(
        { accountId, role: 'citizen', displayName: 'Late Arrival', precinct: null },
        { occurredAt: new Date(Date.now() - 60_000) },
      ),
    );
    const p = await eventually(
      () => profile(accountId),
      (row) => row?.displayName === 'Late Arrival',
    );
    expect(p).toMatchObject({ pointsBalance: 25, role: 'citizen' });
  });

  it('does not let a late AccountCreated undo a newer role change', async () => {
    const accountId = randomUUID();
    const created = new AccountCreated(
      { accountId, role: 'citizen', displayName: 'Promoted', precinct: null },
      { occurredAt: new Date(Date.now() - 60_000) },
    );
    const promoted = new AccountRoleChanged({
      accountId,
      previousRole: 'citizen',
      role: 'officer',
      changedBy: null,
      precinct: '9th',
    });
    await publish(t, promoted);
    await eventually(
      () => profile(accountId),
      (p) => p?.role === 'officer',
    );
    await publish(t, created);
    const p = await eventually(
      () => profile(accountId),
      (row) => row?.displayName === 'Promoted',
    );
    expect(p).toMatchObject({ role: 'officer', precinct: '9th' });
  });

  it('awards FIRST_DONATION and DONATED_1000 from donations', async () => {
    const officerId = randomUUID();
    // 300 points per connection for officers in this app: 4 connections = 1,200 points.
    await publish(
      t,
      ...Array.from({ length: 4 }, () => connectionEvent({ citizenId: randomUUID(), officerId, zip: null })),
    );
    await eventually(
      () => t.app.get(RewardsApi).getBalance(officerId),
      (b) => b === 1_200,
    );
    const charity = await t.app.get(RewardsApi).upsertCharity({ externalId: 'c-profile', name: 'Food Bank' });
    const donate = t.app.get(DonatePointsHandler);
    await donate.execute({ accountId: officerId, charityId: charity.id, points: 400 });
    await eventually(
      () => trophies(officerId),
      (c) => c.includes('FIRST_DONATION'),
    );
    expect(await trophies(officerId)).not.toContain('DONATED_1000');
    await donate.execute({ accountId: officerId, charityId: charity.id, points: 600 });
    await eventually(
      () => trophies(officerId),
      (c) => c.includes('DONATED_1000'),
    );
    await eventually(
      () => profile(officerId),
      (p) => p?.pointsBalance === 200,
      { what: 'balance after donations' },
    );
  });
});
