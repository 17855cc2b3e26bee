import { randomUUID } from 'node:crypto';
import { AccountCreated } from '@heyblue/iam';
import {
  EventConsumers,
  PrismaService,
  QueueFactory,
  type EventJob,
  type IntegrationEvent,
} from '@heyblue/platform';
import { ProfileUpdated, TrophyAwarded } from '@heyblue/profile';
import { PointsDonated, PointsRedeemed } from '@heyblue/rewards';
import { Pseudonymizer } from '../../libs/reporting/src/infrastructure/pseudonymizer.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/poll.js';
import { pointsEarnedEvent, publish } from '../rewards/rewards-fixtures.js';

/**
 * The points facts are written set-based when their deliveries come as one batch job: the
 * facts must be those that applying the events one by one would give.
 */
describe('reporting facts from a batch of deliveries', () => {
  let t: TestApp;
  let prisma: PrismaService;

  beforeAll(async () => {
    // No rollup run during the test: it would take the dirty days this test checks.
    t = await startTestApp({ REPORTING_ROLLUP_EVERY_MS: '86400000' });
    prisma = t.app.get(PrismaService);
  });
  afterAll(() => t.close());

  const redeemed = (accountId: string, points: number, at: string) =>
    new PointsRedeemed({
      accountId,
      points,
      offerId: randomUUID(),
      retailerId: randomUUID(),
      voucherId: randomUUID(),
      balance: 100,
      ledgerSeq: '9',
      entryId: randomUUID(),
      redeemedAt: at,
    });

  it('records one fact per event with the dimensions known of each account, once, whatever is redelivered', async () => {
    const officer = randomUUID();
    const citizen = randomUUID();
    const stranger = randomUUID();
    await publish(
      t,
      new AccountCreated({ accountId: officer, role: 'officer', displayName: 'Officer', precinct: '7th' }),
      new AccountCreated({ accountId: citizen, role: 'citizen', displayName: 'Citizen', precinct: null }),
      new ProfileUpdated({
        accountId: citizen,
        changed: ['zip'],
        displayName: 'Citizen',
        zip: '10001',
        shareConsent: false,
        updatedAt: new Date().toISOString(),
      }),
    );
    const ids = t.app.get(Pseudonymizer);
    await eventually(
      () =>
        prisma.reportingSubject.findMany({
          where: { subject: { in: [ids.subject(officer), ids.subject(citizen)] } },
        }),
      (rows) => rows.some((r) => r.precinct === '7th') && rows.some((r) => r.zip === '10001'),
      { what: 'the dimensions of both accounts' },
    );

    const donation = new PointsDonated({
      accountId: officer,
      donationId: randomUUID(),
      charityId: randomUUID(),
      points: 7,
      balance: 13,
      ledgerSeq: '3',
      entryId: randomUUID(),
      donatedAt: '2026-06-02T09:00:00Z',
    });
    const events: IntegrationEvent<object>[] = [
      redeemed(citizen, 30, '2026-06-01T23:30:00Z'),
      pointsEarnedEvent({ accountId: officer, points: 20, at: '2026-06-02T01:00:00Z', zip: '60601' }),
      redeemed(citizen, 5, '2026-06-02T08:15:00Z'),
      redeemed(stranger, 12, '2026-06-03T10:00:00Z'),
      donation,
      new TrophyAwarded({
        accountId: citizen,
        code: 'FIRST_CONNECTION',
        name: 'First connection',
        awardedAt: '2026-06-01T23:59:59Z',
      }),
    ];
    const handler = {
      PointsRedeemed: 'reporting.points-redeemed',
      PointsEarned: 'reporting.points-earned',
      PointsDonated: 'reporting.points-donated',
      TrophyAwarded: 'reporting.trophy-awarded',
    };
    const batch: EventJob[] = events.map((e) => ({
      handlerId: handler[e.type as keyof typeof handler],
      event: e.toEnvelope() as EventJob['event'],
    }));
    const queue = t.app.get(QueueFactory).get('events.reporting');
    const opts = (id: string) => t.app.get(EventConsumers).jobOptions(id);
    await queue.add({ batch }, opts(`batch:test:${events[0]!.id}`));
    // Delivered again, in another batch with the first delivery twice: nothing is recorded twice.
    await queue.add({ batch: [batch[0]!, ...batch, batch[0]!] }, opts(`batch:test-again:${events[0]!.id}`));

    const facts = () =>
      prisma.reportingFact.findMany({ where: { eventId: { in: events.map((e) => e.id) } } });
    await eventually(facts, (rows) => rows.length === events.length, { what: 'a fact per event' });
    await eventually(
      () => queue.getJobCounts(),
      (c) => c.waiting + c.active + c.delayed === 0,
      { what: 'both batch jobs done' },
    );
    const byEvent = new Map((await facts()).map((f) => [f.eventId, f]));
    const fact = (k: number) => byEvent.get(events[k]!.id);
    expect(byEvent.size).toBe(events.length);
    expect(fact(0)).toMatchObject({
      metric: 'points_redeemed',
      subject: ids.subject(citizen),
      zip: '10001',
      state: 'NY',
      precinct: null,
      value: 30,
      hour: 23,
    });
    expect(fact(0)!.day.toISOString().slice(0, 10)).toBe('2026-06-01');
    expect(fact(1)).toMatchObject({
      metric: 'points_issued',
      subject: ids.subject(officer),
      zip: '60601',
      state: 'IL',
      precinct: '7th',
      value: 20,
      hour: 1,
    });
    expect(fact(2)).toMatchObject({
      metric: 'points_redeemed',
      subject: ids.subject(citizen),
      zip: '10001',
      value: 5,
      hour: 8,
    });
    expect(fact(2)!.day.toISOString().slice(0, 10)).toBe('2026-06-02');
    expect(fact(3)).toMatchObject({
      metric: 'points_redeemed',
      subject: ids.subject(stranger),
      zip: null,
      state: null,
      precinct: null,
      value: 12,
    });
    expect(fact(4)).toMatchObject({
      metric: 'points_donated',
      subject: ids.subject(officer),
      precinct: '7th',
      charityId: donation.payload.charityId,
      value: 7,
    });
    expect(fact(5)).toMatchObject({
      metric: 'trophies',
      subject: ids.subject(citizen),
      zip: '10001',
      value: 1,
    });
    const days = await prisma.$queryRaw<Array<{ day: string }>>`
      SELECT DISTINCT day::text AS day FROM reporting_dirty_day WHERE day BETWEEN '2026-06-01' AND '2026-06-03' ORDER BY 1`;
    expect(days.map((d) => d.day)).toEqual(['2026-06-01', '2026-06-02', '2026-06-03']);
    expect(await prisma.processedEvent.count({ where: { eventId: { in: events.map((e) => e.id) } } })).toBe(
      events.length,
    );
  });
});
