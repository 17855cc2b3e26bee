import type { INestApplicationContext } from '@nestjs/common';
import { RewardsApi } from './rewards.api.js';

const DAY = 86_400_000;

/** Demo catalogue (idempotent upserts by external id): retailers, offers, a municipality with a scheme, charities. */
export async function seedRewards(ctx: INestApplicationContext): Promise<string> {
  const api = ctx.get(RewardsApi, { strict: false });
  const now = Date.now();
  const from = new Date(now - DAY);
  const until = new Date(now + 365 * DAY);
  const retailers = [
    {
      externalId: 'demo-retailer-coffee',
      name: 'Blue Bean Coffee',
      website: 'https://bluebean.example',
      contactEmail: 'hello@bluebean.example',
      zip: '10001',
    },
    {
      externalId: 'demo-retailer-books',
      name: 'Corner Books',
      website: 'https://cornerbooks.example',
      contactEmail: 'shop@cornerbooks.example',
      zip: '10002',
    },
    {
      externalId: 'demo-retailer-gym',
      name: 'Precinct Fitness',
      website: 'https://precinctfit.example',
      contactEmail: 'desk@precinctfit.example',
      zip: '60601',
    },
  ];
  for (const r of retailers) await api.upsertRetailer(r);
  const offers = [
    {
      externalId: 'demo-offer-coffee',
      retailerExternalId: 'demo-retailer-coffee',
      title: 'Free coffee',
      pointsCost: 50,
      discount: 'One free drip coffee',
      validFrom: from,
      validUntil: until,
      zips: ['10001', '10002'],
    },
    {
      externalId: 'demo-offer-books',
      retailerExternalId: 'demo-retailer-books',
      title: '20% off a book',
      pointsCost: 120,
      discount: '20% off one book',
      validFrom: from,
      validUntil: until,
      maxRedemptions: 500,
    },
    {
      externalId: 'demo-offer-gym',
      retailerExternalId: 'demo-retailer-gym',
      title: 'One-week gym pass',
      pointsCost: 300,
      discount: '7 days free access',
      validFrom: from,
      validUntil: until,
      zips: ['60601'],
      maxRedemptions: 100,
    },
  ];
  for (const o of offers) await api.upsertOffer(o);
  await api.upsertMunicipality({
    externalId: 'demo-muni-nyc',
    name: 'New York',
    state: 'NY',
    zips: ['10001', '10002', '10003'],
  });
  await api.upsertScheme({
    externalId: 'demo-scheme-nyc-double',
    municipalityExternalId: 'demo-muni-nyc',
    title: 'Double points in Manhattan',
    multiplier: 2,
    validFrom: from,
    validUntil: until,
  });
  const charities = [
    {
      externalId: 'demo-charity-food',
      name: 'City Food Bank',
      description: 'Meals for families in need',
      website: 'https://foodbank.example',
      ein: '12-3456789',
    },
    {
      externalId: 'demo-charity-youth',
      name: 'Youth Sports League',
      description: 'Sports programs for kids',
      website: 'https://youthsports.example',
      ein: '98-7654321',
    },
  ];
  for (const c of charities) await api.upsertCharity(c);
  return `${retailers.length} retailers, ${offers.length} offers, 1 municipality, 1 scheme, ${charities.length} charities`;
}
