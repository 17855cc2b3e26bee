import { missingColumns } from './etl-kinds.js';
import { validateRow } from './row-rules.js';

const offer = (over: Record<string, unknown> = {}) => ({
  external_id: 'o-1',
  retailer_external_id: 'r-1',
  title: 'Coffee',
  points_cost: '25',
  discount: '10%',
  valid_from: '2026-01-01',
  valid_until: '2026-02-01',
  max_redemptions: '',
  zips: '10001;10002',
  ...over,
});
const fields = (r: ReturnType<typeof validateRow>) => (r.ok ? [] : r.errors.map((e) => e.field));

describe('ETL row rules', () => {
  it('accepts a valid offer and types its fields', () => {
    const r = validateRow('offers', offer());
    expect(r).toEqual({
      ok: true,
      row: {
        externalId: 'o-1',
        retailerExternalId: 'r-1',
        title: 'Coffee',
        pointsCost: 25,
        discount: '10%',
        validFrom: new Date('2026-01-01T00:00:00Z'),
        validUntil: new Date('2026-02-01T00:00:00Z'),
        maxRedemptions: null,
        zips: ['10001', '10002'],
        active: true,
      },
    });
  });

  it('reads `active` as a flag (the same reader for every kind): empty or absent is true, yes/no and 1/0 too, anything else is refused', () => {
    const active = (v: unknown) => {
      const r = validateRow('offers', offer(v === undefined ? {} : { active: v as string }));
      return r.ok ? r.row.active : fields(r);
    };
    expect([undefined, '', 'true', 'TRUE', 'yes', 'Y', '1', true].map(active)).toEqual(Array(8).fill(true));
    expect(['false', 'False', 'no', 'n', '0', false].map(active)).toEqual(Array(6).fill(false));
    expect(['maybe', '2', 'off'].map(active)).toEqual([['active'], ['active'], ['active']]);
  });

  it('needs points_cost to be a positive whole number', () => {
    for (const v of ['0', '-5', '2.5', 'ten', ''])
      expect(fields(validateRow('offers', offer({ points_cost: v })))).toEqual(['points_cost']);
  });

  it('needs valid_until after valid_from', () => {
    expect(fields(validateRow('offers', offer({ valid_until: '2026-01-01' })))).toEqual(['valid_until']);
  });

  it('refuses impossible dates', () => {
    expect(fields(validateRow('offers', offer({ valid_from: '2026-02-30' })))).toEqual(['valid_from']);
  });

  it('accepts JSON arrays of ZIPs and refuses bad ones', () => {
    expect(validateRow('offers', offer({ zips: ['10001', '10001'] }))).toMatchObject({
      ok: true,
      row: { zips: ['10001'] },
    });
    expect(fields(validateRow('offers', offer({ zips: '1000' })))).toEqual(['zips']);
  });

  it('needs https websites, a valid e-mail and a ZIP for retailers', () => {
    const r = validateRow('retailers', {
      external_id: 'r',
      name: 'N',
      website: 'http://x.example.com',
      contact_email: 'x@',
      zip: '9',
    });
    expect(fields(r)).toEqual(['website', 'contact_email', 'zip']);
  });

  it('normalises EINs and refuses malformed ones', () => {
    const base = { external_id: 'c', name: 'C', description: 'D', website: 'https://c.example.org' };
    expect(validateRow('charities', { ...base, ein: '123456789' })).toMatchObject({
      ok: true,
      row: { ein: '12-3456789' },
    });
    expect(fields(validateRow('charities', { ...base, ein: '1234-56789' }))).toEqual(['ein']);
  });

  it('caps scheme multipliers and upper-cases state codes', () => {
    expect(
      fields(
        validateRow('schemes', {
          external_id: 's',
          municipality_external_id: 'm',
          title: 'T',
          multiplier: '11',
          valid_from: '2026-01-01',
          valid_until: '2026-02-01',
        }),
      ),
    ).toEqual(['multiplier']);
    expect(
      validateRow('municipalities', { external_id: 'm', name: 'M', state: 'ny', zips: '10001' }),
    ).toMatchObject({ ok: true, row: { state: 'NY' } });
  });

  it('lower-cases officer e-mails and upper-cases badges', () => {
    const r = validateRow('officers', {
      badge_number: 'ab-12',
      email: 'A@PD.Example',
      first_name: 'A',
      last_name: 'B',
      precinct: '1st',
      zip: '10001',
    });
    expect(r).toMatchObject({ ok: true, row: { badgeNumber: 'AB-12', email: 'a@pd.example' } });
  });

  it('lists header columns missing for a kind, case-insensitively', () => {
    expect(missingColumns('retailers', ['External_ID', 'NAME', 'website'])).toEqual(['contact_email', 'zip']);
  });
});
