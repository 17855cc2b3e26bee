import { randomUUID } from 'node:crypto';
import { PrismaService } from '@heyblue/platform';
import { RewardsApi, type OfferInput } from '@heyblue/rewards';
import { startTestApp, type TestApp } from '../support/app.js';

const DAY = 86_400_000;

describe('bulk catalogue upserts (RewardsApi.upsert*s)', () => {
  let t: TestApp;
  let rewards: RewardsApi;
  let prisma: PrismaService;
  const tag = randomUUID().slice(0, 8);
  const retailer = `bulk-r-${tag}`;
  const offer = (id: string, o: Partial<OfferInput> = {}): OfferInput => ({
    externalId: `bulk-o-${tag}-${id}`,
    retailerExternalId: retailer,
    title: `Offer ${id}`,
    pointsCost: 20,
    discount: '5% off',
    validFrom: new Date(Date.now() - DAY),
    validUntil: new Date(Date.now() + 30 * DAY),
    zips: ['10001', '10002'],
    ...o,
  });

  beforeAll(async () => {
    t = await startTestApp();
    rewards = t.app.get(RewardsApi);
    prisma = t.app.get(PrismaService);
    await rewards.upsertRetailers([{ externalId: retailer, name: 'Bulk Retailer', zip: '10001' }]);
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers one outcome per row, in order, and writes only the good rows', async () => {
    const [sold] = await rewards.upsertOffers([offer('sold', { maxRedemptions: 10 })]);
    await prisma.rewardsOffer.update({
      where: { id: (sold as { id: string }).id },
      data: { redeemedCount: 7 },
    });

    const outcomes = await rewards.upsertOffers([
      offer('ok'),
      offer('zero-cost', { pointsCost: 0 }),
      offer('orphan', { retailerExternalId: `nobody-${tag}` }),
      offer('sold', { maxRedemptions: 5 }),
      offer('bad-zip', { zips: ['1234'] }),
      offer('backwards', { validUntil: new Date(Date.now() - 2 * DAY) }),
      offer('sold', { maxRedemptions: 8, title: 'Still room' }),
    ]);

    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
      'ok',
      'INVALID_CATALOGUE_ENTRY',
      'RETAILER_NOT_FOUND',
      'INVALID_CATALOGUE_ENTRY',
      'INVALID_CATALOGUE_ENTRY',
      'INVALID_CATALOGUE_ENTRY',
      'ok',
    ]);
    const fieldOf = (i: number) => {
      const o = outcomes[i]!;
      return o.ok ? null : (o.error.extra as { errors: Array<{ field: string; message: string }> }).errors[0];
    };
    expect(fieldOf(1)).toMatchObject({ field: 'pointsCost' });
    expect(fieldOf(3)).toEqual({
      field: 'maxRedemptions',
      message: 'cannot be below the 7 already redeemed',
    });
    expect(fieldOf(4)).toMatchObject({ field: 'zips' });
    expect(fieldOf(5)).toMatchObject({ field: 'validUntil' });
    expect(outcomes[0]).toMatchObject({ ok: true, created: true });
    expect(outcomes[6]).toMatchObject({ ok: true, created: false, id: (sold as { id: string }).id });

    const stored = await prisma.rewardsOffer.findMany({
      where: { externalId: { startsWith: `bulk-o-${tag}-` } },
      select: { externalId: true, title: true, maxRedemptions: true, redeemedCount: true, zips: true },
      orderBy: { externalId: 'asc' },
    });
    expect(stored).toEqual([
      {
        externalId: `bulk-o-${tag}-ok`,
        title: 'Offer ok',
        maxRedemptions: null,
        redeemedCount: 0,
        zips: ['10001', '10002'],
      },
      {
        externalId: `bulk-o-${tag}-sold`,
        title: 'Still room',
        maxRedemptions: 8,
        redeemedCount: 7,
        zips: ['10001', '10002'],
      },
    ]);

    // A lone row lowering the limit below what was redeemed is refused by the write itself and leaves the offer alone.
    const [lowered, fine] = await rewards.upsertOffers([
      offer('sold', { maxRedemptions: 6, title: 'Too few' }),
      offer('ok'),
    ]);
    expect(lowered).toMatchObject({ ok: false, error: { code: 'INVALID_CATALOGUE_ENTRY' } });
    expect((lowered as { error: { extra: unknown } }).error.extra).toEqual({
      errors: [{ field: 'maxRedemptions', message: 'cannot be below the 7 already redeemed' }],
    });
    expect(fine).toMatchObject({ ok: true, created: false });
    const kept = await prisma.rewardsOffer.findUnique({
      where: { externalId: `bulk-o-${tag}-sold` },
      select: { title: true, maxRedemptions: true },
    });
    expect(kept).toEqual({ title: 'Still room', maxRedemptions: 8 });
  });

  it('is idempotent: the same batch again updates in place and creates nothing', async () => {
    const batch = [offer('idem-1'), offer('idem-2', { zips: [] })];
    const first = await rewards.upsertOffers(batch);
    const again = await rewards.upsertOffers(batch);
    expect(first.map((o) => o.ok && o.created)).toEqual([true, true]);
    expect(again.map((o) => o.ok && o.created)).toEqual([false, false]);
    expect(again.map((o) => o.ok && o.id)).toEqual(first.map((o) => o.ok && o.id));
    const zips = await prisma.rewardsOffer.findUnique({
      where: { externalId: `bulk-o-${tag}-idem-2` },
      select: { zips: true },
    });
    expect(zips).toEqual({ zips: [] });
  });

  it('keeps the last of repeated external ids, as sequential upserts would', async () => {
    const outcomes = await rewards.upsertOffers([
      offer('twice', { title: 'First' }),
      offer('twice', { title: 'Second' }),
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes[0]).toEqual(outcomes[1]);
    const row = await prisma.rewardsOffer.findUnique({
      where: { externalId: `bulk-o-${tag}-twice` },
      select: { title: true },
    });
    expect(row).toEqual({ title: 'Second' });
  });

  it('reports unknown municipalities and bad fields for the other kinds per row', async () => {
    const [muni, badMuni] = await rewards.upsertMunicipalities([
      { externalId: `bulk-m-${tag}`, name: 'Springfield', state: 'IL', zips: ['62701'] },
      { externalId: `bulk-m2-${tag}`, name: 'Nowhere', state: 'IL', zips: ['6270'] },
    ]);
    expect(muni).toMatchObject({ ok: true, created: true });
    expect(badMuni).toMatchObject({ ok: false, error: { code: 'INVALID_CATALOGUE_ENTRY' } });

    const schemes = await rewards.upsertSchemes([
      {
        externalId: `bulk-s-${tag}`,
        municipalityExternalId: `bulk-m-${tag}`,
        title: 'Double',
        multiplier: 2,
        validFrom: new Date(Date.now() - DAY),
        validUntil: new Date(Date.now() + DAY),
      },
      {
        externalId: `bulk-s2-${tag}`,
        municipalityExternalId: `none-${tag}`,
        title: 'Orphan',
        multiplier: 2,
        validFrom: new Date(Date.now() - DAY),
        validUntil: new Date(Date.now() + DAY),
      },
      {
        externalId: `bulk-s3-${tag}`,
        municipalityExternalId: `bulk-m-${tag}`,
        title: 'Typo',
        multiplier: 100,
        validFrom: new Date(Date.now() - DAY),
        validUntil: new Date(Date.now() + DAY),
      },
    ]);
    expect(schemes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
      'ok',
      'MUNICIPALITY_NOT_FOUND',
      'INVALID_CATALOGUE_ENTRY',
    ]);

    const charities = await rewards.upsertCharities([
      { externalId: `bulk-c-${tag}`, name: 'Food Bank', ein: ' 12-3456789 ' },
      { externalId: ' ', name: 'No id' },
    ]);
    expect(charities.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'INVALID_CATALOGUE_ENTRY']);
    expect(
      await prisma.rewardsCharity.findUnique({
        where: { externalId: `bulk-c-${tag}` },
        select: { ein: true, description: true, website: true },
      }),
    ).toEqual({
      ein: '12-3456789',
      description: '',
      website: null,
    });

    const retailers = await rewards.upsertRetailers([
      { externalId: retailer, name: 'Renamed', zip: 'abcde' },
    ]);
    expect(retailers[0]).toMatchObject({ ok: false, error: { code: 'INVALID_CATALOGUE_ENTRY' } });
  });

  it('the single upserts still throw the same errors', async () => {
    await expect(
      rewards.upsertOffer(offer('single-orphan', { retailerExternalId: `nobody-${tag}` })),
    ).rejects.toMatchObject({
      code: 'RETAILER_NOT_FOUND',
      status: 404,
    });
    await expect(rewards.upsertOffer(offer('single-cost', { pointsCost: -1 }))).rejects.toMatchObject({
      code: 'INVALID_CATALOGUE_ENTRY',
    });
  });
});
