import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { connect, Inbox, offset, settle } from './socket-client.js';

/**
 * Issue 19, item 6: anti-farming caps. Beyond the citizen's daily or the officer's hourly number
 * of points-earning connections, a connection is still made but earns neither side anything, and
 * says so in the accept answer, the citizen's `connection.accepted`, `GET /connections` and the
 * `ConnectionEstablished` event (which Rewards reads). Real PostgreSQL, Redis and sockets.
 */
describe('connections: anti-farming caps', () => {
  let t: TestApp;
  let prisma: PrismaService;
  const spot = { lat: 41.8781, lng: -87.6298 };
  const CAP = 2;
  const POINTS = 10;

  beforeAll(async () => {
    t = await startTestApp({
      CONNECTIONS_CITIZEN_DAILY_EARNING_CAP: String(CAP),
      CONNECTIONS_OFFICER_HOURLY_EARNING_CAP: String(CAP),
      REWARDS_POINTS_PER_CONNECTION_CITIZEN: String(POINTS),
      REWARDS_POINTS_PER_CONNECTION_OFFICER: String(POINTS),
    });
    prisma = t.app.get(PrismaService);
  });
  afterAll(async () => {
    if (t) await settle(t);
    await t?.close();
  });

  const onDuty = async (): Promise<SignedIn> => {
    const officer = await given.officer(t);
    const open = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: spot,
    });
    expect(open.status).toBe(201);
    return officer;
  };
  const present = async (): Promise<SignedIn> => {
    const citizen = await given.citizen(t);
    const at = await api(t, 'POST', '/connections/presence', {
      token: citizen.accessToken,
      body: offset(spot, 40, 0),
    });
    expect(at.status).toBe(200);
    return citizen;
  };
  const ask = async (citizen: SignedIn, officer: SignedIn): Promise<string> => {
    const req = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    expect(req.status).toBe(201);
    return req.body.requestId;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const accept = async (officer: SignedIn, requestId: string): Promise<any> => {
    const ok = await api(t, 'POST', `/connections/requests/${requestId}/accept`, {
      token: officer.accessToken,
    });
    expect(ok.status).toBe(200);
    return ok.body.connection;
  };
  const connectPair = async (citizen: SignedIn, officer: SignedIn) =>
    accept(officer, await ask(citizen, officer));
  const balance = async (who: SignedIn): Promise<number> =>
    (await api(t, 'GET', '/rewards/balance', { token: who.accessToken })).body.balance;
  const eventOf = async (connectionId: string) => {
    const events = await prisma.outboxEvent.findMany({ where: { type: 'ConnectionEstablished' } });
    return events
      .map((e) => e.payload as Record<string, unknown>)
      .find((p) => p.connectionId === connectionId);
  };
  const ledgerFor = (connectionId: string) =>
    prisma.rewardsLedgerEntry.count({ where: { reference: connectionId } });

  it("citizen cap: the citizen's connection beyond the daily cap is made, earns nobody anything, and says so everywhere", async () => {
    const citizen = await present();
    const officers = [await onDuty(), await onDuty(), await onDuty()];
    const socket = await connect(t, citizen.accessToken);
    const inbox = new Inbox(socket);
    try {
      const earning = [await connectPair(citizen, officers[0]!), await connectPair(citizen, officers[1]!)];
      for (const c of earning) expect(c).toMatchObject({ earnsPoints: true, noPointsReason: null });
      await settle(t);
      const [citizenBefore, officerBefore] = [await balance(citizen), await balance(officers[2]!)];
      expect([citizenBefore, officerBefore]).toEqual([CAP * POINTS, 0]);

      const surplus = await connectPair(citizen, officers[2]!);
      expect(surplus).toMatchObject({
        officerId: officers[2]!.accountId,
        citizenId: citizen.accountId,
        pointsAwarded: 0,
        earnsPoints: false,
        noPointsReason: 'CITIZEN_DAILY_CAP',
      });
      // The citizen's app hears it on the socket and in the list.
      const accepted = await eventually(
        () => inbox.of('connection.accepted').find((e) => e.connection?.id === surplus.id),
        (e) => e !== undefined,
        { what: 'connection.accepted for the capped connection' },
      );
      expect(accepted.connection).toMatchObject({ earnsPoints: false, noPointsReason: 'CITIZEN_DAILY_CAP' });
      const mine = await api(t, 'GET', '/connections', { token: citizen.accessToken });
      expect(mine.body.items.find((i: { id: string }) => i.id === surplus.id)).toMatchObject({
        earnsPoints: false,
        noPointsReason: 'CITIZEN_DAILY_CAP',
      });
      // The event carries it; Rewards posts nothing for it, so both balances stay as they were.
      expect(await eventOf(surplus.id)).toMatchObject({
        earnsPoints: false,
        noPointsReason: 'CITIZEN_DAILY_CAP',
      });
      expect(await eventOf(earning[0].id)).toMatchObject({ earnsPoints: true, noPointsReason: null });
      await settle(t);
      expect(await balance(citizen)).toBe(citizenBefore);
      expect(await balance(officers[2]!)).toBe(officerBefore);
      expect(await ledgerFor(surplus.id)).toBe(0);
      expect(await ledgerFor(earning[1].id)).toBe(2);
      // Two points.awarded (one per earning connection), none for the surplus.
      await eventually(
        () => inbox.of('points.awarded').length,
        (n) => n === CAP,
        { what: 'two points.awarded' },
      );
      expect(inbox.of('points.awarded').map((p) => p.points)).toEqual([POINTS, POINTS]);
      const row = await prisma.connectionsConnection.findUniqueOrThrow({ where: { id: surplus.id } });
      expect([row.earnsPoints, row.noPointsReason, row.citizenPoints, row.officerPoints]).toEqual([
        false,
        'CITIZEN_DAILY_CAP',
        0,
        0,
      ]);
    } finally {
      socket.close();
    }
  });

  it("officer cap: the officer's connection beyond the hourly cap is made and earns nothing for either side", async () => {
    const officer = await onDuty();
    const citizens = [await present(), await present(), await present()];
    const socket = await connect(t, officer.accessToken);
    const inbox = new Inbox(socket);
    try {
      for (const c of citizens.slice(0, CAP))
        expect(await connectPair(c, officer)).toMatchObject({ earnsPoints: true, noPointsReason: null });
      await settle(t);
      const before = await balance(officer);
      expect(before).toBe(CAP * POINTS);

      const surplus = await connectPair(citizens[2]!, officer);
      expect(surplus).toMatchObject({
        pointsAwarded: 0,
        earnsPoints: false,
        noPointsReason: 'OFFICER_HOURLY_CAP',
      });
      expect(await eventOf(surplus.id)).toMatchObject({
        earnsPoints: false,
        noPointsReason: 'OFFICER_HOURLY_CAP',
      });
      // The citizen is far below their own cap, yet earns nothing either (a ring of fake citizens gains nothing).
      const theirs = await api(t, 'GET', '/connections', { token: citizens[2]!.accessToken });
      expect(theirs.body.items).toEqual([
        expect.objectContaining({ id: surplus.id, earnsPoints: false, noPointsReason: 'OFFICER_HOURLY_CAP' }),
      ]);
      await settle(t);
      expect(await balance(officer)).toBe(before);
      expect(await balance(citizens[2]!)).toBe(0);
      expect(await balance(citizens[0]!)).toBe(POINTS);
      expect(await ledgerFor(surplus.id)).toBe(0);
      expect(inbox.of('points.awarded')).toHaveLength(CAP);

      // The officer's audit entry for the accept records it too.
      const audit = await prisma.iamAuditEntry.findFirst({
        where: { action: 'connection_request_accepted', actorId: officer.accountId },
        orderBy: { seq: 'desc' },
      });
      expect(audit?.detail).toMatchObject({ connectionId: surplus.id, earnsPoints: false });
    } finally {
      socket.close();
    }
  });

  it('race at the citizen cap: two accepts at once for the last earning slot, exactly one earns', async () => {
    for (let round = 0; round < 2; round++) {
      const citizen = await present();
      const officers = [await onDuty(), await onDuty(), await onDuty()];
      expect(await connectPair(citizen, officers[0]!)).toMatchObject({ earnsPoints: true });
      const requests = [await ask(citizen, officers[1]!), await ask(citizen, officers[2]!)];
      const both = await Promise.all([
        accept(officers[1]!, requests[0]!),
        accept(officers[2]!, requests[1]!),
      ]);
      expect(both.map((c) => c.earnsPoints).sort()).toEqual([false, true]);
      expect(both.map((c) => c.noPointsReason).sort()).toEqual(['CITIZEN_DAILY_CAP', null]);
      await settle(t);
      expect(await balance(citizen)).toBe(CAP * POINTS);
      const capped = both.find((c) => !c.earnsPoints);
      expect(await balance(officers.find((o) => o.accountId === capped.officerId)!)).toBe(0);
    }
  });

  it('race at the officer cap: two accepts at once for the last earning slot, exactly one earns', async () => {
    for (let round = 0; round < 2; round++) {
      const officer = await onDuty();
      const citizens = [await present(), await present(), await present()];
      expect(await connectPair(citizens[0]!, officer)).toMatchObject({ earnsPoints: true });
      const requests = [await ask(citizens[1]!, officer), await ask(citizens[2]!, officer)];
      const both = await Promise.all(requests.map((id) => accept(officer, id)));
      expect(both.map((c) => c.noPointsReason).sort()).toEqual(['OFFICER_HOURLY_CAP', null]);
      await settle(t);
      expect(await balance(officer)).toBe(CAP * POINTS);
      const sums = await Promise.all(citizens.slice(1).map(balance));
      expect(sums.sort()).toEqual([0, POINTS]);
    }
  });
});
