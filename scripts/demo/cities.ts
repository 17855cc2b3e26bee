// The demo's three cities and the partner catalogue it loads through the admin ETL upload:
// retailers and offers per city plus one nationwide, a municipality per city (two with a bonus
// scheme) and a few charities. External ids start with `sim-` so the demo never overwrites the
// `db:seed` catalogue (`demo-*`); uploads are idempotent, so re-running the demo re-upserts them.
import { METROS } from '../../bench/connections/metros.js';

export interface City {
  key: string;
  name: string;
  state: string;
  lat: number;
  lng: number;
  /** ZIPs around the centre: officers' windows and citizens' offers use them. */
  zips: string[];
}

const CITY_ZIPS: Record<string, { key: string; state: string; zips: string[] }> = {
  'New York': {
    key: 'nyc',
    state: 'NY',
    zips: ['10001', '10002', '10003', '10004', '10007', '10013', '10038'],
  },
  Chicago: { key: 'chi', state: 'IL', zips: ['60601', '60602', '60603', '60604', '60605', '60606', '60607'] },
  'Los Angeles': {
    key: 'la',
    state: 'CA',
    zips: ['90012', '90013', '90014', '90015', '90017', '90021', '90071'],
  },
};

/** The cities the demo knows (centres from bench/connections' metro table). */
export const CITIES: City[] = METROS.filter((m) => m.name in CITY_ZIPS).map((m) => ({
  ...CITY_ZIPS[m.name]!,
  name: m.name,
  lat: m.lat,
  lng: m.lng,
}));

export function cityByName(name: string): City {
  const city = CITIES.find(
    (c) => c.name.toLowerCase() === name.trim().toLowerCase() || c.key === name.trim().toLowerCase(),
  );
  if (!city) throw new Error(`unknown city "${name}"; known: ${CITIES.map((c) => c.name).join(', ')}`);
  return city;
}

const day = (offsetDays: number): string =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

const csv = (header: string, rows: Array<Array<string | number>>): string =>
  [
    header,
    ...rows.map((r) =>
      r.map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v))).join(','),
    ),
  ].join('\n') + '\n';

/** One CSV per ETL kind, in upload order (parents before the rows that refer to them). */
export function partnerFiles(cities: City[]): Array<{ kind: string; csv: string; rows: number }> {
  const from = day(-1);
  const until = day(365);
  const retailers: Array<Array<string | number>> = [
    [
      'sim-retailer-national',
      'Blue Line Outfitters',
      'https://bluelineoutfitters.example',
      'partners@bluelineoutfitters.example',
      cities[0]!.zips[0]!,
    ],
  ];
  const offers: Array<Array<string | number>> = [
    [
      'sim-offer-national-water',
      'sim-retailer-national',
      'Free water bottle',
      10,
      'one bottle',
      from,
      until,
      '',
      '',
    ],
  ];
  const municipalities: Array<Array<string | number>> = [];
  const schemes: Array<Array<string | number>> = [];
  const bonus: Record<string, number> = { nyc: 1.5, chi: 2 };
  for (const c of cities) {
    retailers.push(
      [
        `sim-retailer-${c.key}-coffee`,
        `${c.name} Coffee Co.`,
        `https://${c.key}-coffee.example`,
        `hello@${c.key}-coffee.example`,
        c.zips[0]!,
      ],
      [
        `sim-retailer-${c.key}-books`,
        `${c.name} Books`,
        `https://${c.key}-books.example`,
        `shop@${c.key}-books.example`,
        c.zips[1]!,
      ],
    );
    const zips = c.zips.join(';');
    offers.push(
      [
        `sim-offer-${c.key}-coffee`,
        `sim-retailer-${c.key}-coffee`,
        `Free coffee in ${c.name}`,
        10,
        'one small coffee',
        from,
        until,
        '',
        zips,
      ],
      [
        `sim-offer-${c.key}-pastry`,
        `sim-retailer-${c.key}-coffee`,
        'Coffee and pastry',
        20,
        'coffee + pastry',
        from,
        until,
        '',
        zips,
      ],
      [
        `sim-offer-${c.key}-books`,
        `sim-retailer-${c.key}-books`,
        '20% off any book',
        30,
        '20%',
        from,
        until,
        '',
        zips,
      ],
    );
    municipalities.push([`sim-muni-${c.key}`, c.name, c.state, zips]);
    if (bonus[c.key])
      schemes.push([
        `sim-scheme-${c.key}`,
        `sim-muni-${c.key}`,
        `${c.name} community weeks (x${bonus[c.key]} points)`,
        bonus[c.key]!,
        from,
        until,
      ]);
  }
  const charities = [
    [
      'sim-charity-youth',
      'Youth Sports League',
      'After-school sports run with local officers',
      'https://youthsports.example',
      '12-3456701',
    ],
    [
      'sim-charity-food',
      'Neighborhood Food Bank',
      'Groceries for families in need',
      'https://foodbank.example',
      '12-3456702',
    ],
    [
      'sim-charity-literacy',
      'Read Together',
      'Reading mentors for elementary schools',
      'https://readtogether.example',
      '12-3456703',
    ],
  ];
  const files = [
    {
      kind: 'retailers',
      csv: csv('external_id,name,website,contact_email,zip', retailers),
      rows: retailers.length,
    },
    {
      kind: 'municipalities',
      csv: csv('external_id,name,state,zips', municipalities),
      rows: municipalities.length,
    },
    {
      kind: 'charities',
      csv: csv('external_id,name,description,website,ein', charities),
      rows: charities.length,
    },
    {
      kind: 'offers',
      csv: csv(
        'external_id,retailer_external_id,title,points_cost,discount,valid_from,valid_until,max_redemptions,zips',
        offers,
      ),
      rows: offers.length,
    },
    {
      kind: 'schemes',
      csv: csv('external_id,municipality_external_id,title,multiplier,valid_from,valid_until', schemes),
      rows: schemes.length,
    },
  ];
  return files.filter((f) => f.rows > 0);
}
