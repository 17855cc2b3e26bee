import { ConnectionEstablished } from '@heyblue/connections';
import { InMemoryRewards } from '../testing/in-memory-rewards.fakes.js';
import { AwardPointsWhenConnectionEstablishedHandler } from './award-points-when-connection-established.handler.js';

const CITIZEN = 'c0000000-0000-4000-8000-000000000001';
const OFFICER = 'o0000000-0000-4000-8000-000000000001';

function setup() {
  const m = new InMemoryRewards();
  const handler = new AwardPointsWhenConnectionEstablishedHandler(
    m.ledger,
    m.schemeFinder,
    m.events,
    m.settings,
  );
  return { m, handler };
}

const connection = (zip: string | null, id = 'conn-1', establishedAt = '2026-11-23T10:00:00.000Z') =>
  new ConnectionEstablished({
    connectionId: id,
    officerId: OFFICER,
    citizenId: CITIZEN,
    establishedAt,
    zip,
    cell: 'x',
  }).toEnvelope();

/** A 2× scheme covering `zip` from `from` until `until`. */
const doubleScheme = (zip: string, from = '2026-11-01', until = '2026-12-01') => ({
  id: 's-1',
  multiplier: 2,
  validFrom: new Date(from),
  validUntil: new Date(until),
  zips: [zip],
});

describe('award points when a connection is established', () => {
  it('credits the citizen and the officer their configured base amounts', async () => {
    const { m, handler } = setup();
    await handler.handle(connection('10001'), m.tx);
    expect(m.balances.get(CITIZEN)).toBe(10);
    expect(m.balances.get(OFFICER)).toBe(5);
  });

  it('publishes one PointsEarned per account', async () => {
    const { m, handler } = setup();
    await handler.handle(connection(null), m.tx);
    expect(m.published.map((e) => [e.type, (e.payload as { accountId: string }).accountId])).toEqual([
      ['PointsEarned', CITIZEN],
      ['PointsEarned', OFFICER],
    ]);
  });

  it('multiplies both amounts by the scheme active at the connection ZIP', async () => {
    const { m, handler } = setup();
    m.schemes.push(doubleScheme('10001'));
    await handler.handle(connection('10001'), m.tx);
    expect(m.balances.get(CITIZEN)).toBe(20);
    expect(m.balances.get(OFFICER)).toBe(10);
  });

  it('ignores a scheme of another ZIP', async () => {
    const { m, handler } = setup();
    m.schemes.push(doubleScheme('60601'));
    await handler.handle(connection('10001'), m.tx);
    expect(m.balances.get(CITIZEN)).toBe(10);
  });

  it('ignores a scheme that ended before the connection', async () => {
    const { m, handler } = setup();
    m.schemes.push(doubleScheme('10001', '2026-10-01', '2026-11-01'));
    await handler.handle(connection('10001'), m.tx);
    expect(m.balances.get(CITIZEN)).toBe(10);
  });

  it('awards nobody anything for a connection over an anti-farming cap, and publishes nothing', async () => {
    const { m, handler } = setup();
    const capped = new ConnectionEstablished({
      connectionId: 'conn-capped',
      officerId: OFFICER,
      citizenId: CITIZEN,
      establishedAt: '2026-11-23T10:00:00.000Z',
      zip: '10001',
      cell: 'x',
      earnsPoints: false,
      noPointsReason: 'CITIZEN_DAILY_CAP',
    }).toEnvelope();
    expect(await handler.handle(capped, m.tx)).toEqual([]);
    expect(m.balances.get(CITIZEN) ?? 0).toBe(0);
    expect(m.balances.get(OFFICER) ?? 0).toBe(0);
    expect(m.published).toEqual([]);
  });

  it('awards nothing twice for the same connection', async () => {
    const { m, handler } = setup();
    await handler.handle(connection('10001'), m.tx);
    const again = await handler.handle(connection('10001'), m.tx);
    expect(again).toHaveLength(0);
    expect(m.balances.get(CITIZEN)).toBe(10);
    expect(m.entries).toHaveLength(2);
  });

  it('awards again for a different connection of the same pair', async () => {
    const { m, handler } = setup();
    await handler.handle(connection('10001', 'conn-1'), m.tx);
    await handler.handle(connection('10001', 'conn-2'), m.tx);
    expect(m.balances.get(CITIZEN)).toBe(20);
  });
});
