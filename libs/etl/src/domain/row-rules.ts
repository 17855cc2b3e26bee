import type { EtlKind } from './etl-kinds.js';
import { cleanEmail, cleanScalar, cleanText, isEmailAddress } from './sanitize.js';
import type { OfficerRosterEntry } from '@heyblue/iam';

/** One problem with one field of one row. */
export interface FieldError {
  field: string;
  message: string;
}

export interface RetailerRow {
  externalId: string;
  name: string;
  website: string;
  contactEmail: string;
  zip: string;
  /** false retires the entry (it leaves the app's lists); an empty or absent cell is true. */
  active: boolean;
}
export interface OfferRow {
  externalId: string;
  retailerExternalId: string;
  title: string;
  pointsCost: number;
  discount: string;
  validFrom: Date;
  validUntil: Date;
  maxRedemptions: number | null;
  zips: string[];
  /** false retires the entry (it leaves the app's lists); an empty or absent cell is true. */
  active: boolean;
}
export interface MunicipalityRow {
  externalId: string;
  name: string;
  state: string;
  zips: string[];
  /** false retires the entry (it leaves the app's lists); an empty or absent cell is true. */
  active: boolean;
}
export interface SchemeRow {
  externalId: string;
  municipalityExternalId: string;
  title: string;
  multiplier: number;
  validFrom: Date;
  validUntil: Date;
  /** false retires the entry (it leaves the app's lists); an empty or absent cell is true. */
  active: boolean;
}
export interface CharityRow {
  externalId: string;
  name: string;
  description: string;
  website: string;
  ein: string;
  /** false retires the entry (it leaves the app's lists); an empty or absent cell is true. */
  active: boolean;
}
/** An officer roster row is exactly what IAM's facade takes. */
export type OfficerRow = OfficerRosterEntry;

export type EtlRow = RetailerRow | OfferRow | MunicipalityRow | SchemeRow | CharityRow | OfficerRow;
export type RowResult<T = EtlRow> = { ok: true; row: T } | { ok: false; errors: FieldError[] };

const US_STATES = new Set(
  'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP'.split(
    ' ',
  ),
);
const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;
/** Valid YYYY-MM-DD values seen (epoch ms at UTC midnight), bounded. */
const PLAIN_DATES = new Map<string, number>();

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Collects field errors while reading a row; each rule is a small named check. */
class RowReader {
  readonly errors: FieldError[] = [];
  constructor(private readonly record: Record<string, unknown>) {}

  private fail(field: string, message: string): void {
    this.errors.push({ field, message });
  }

  private raw(field: string): unknown {
    return this.record[field];
  }

  externalId(field: string): string {
    const v = cleanScalar(this.raw(field));
    if (v === '') this.fail(field, 'is required');
    else if (!EXTERNAL_ID.test(v))
      this.fail(field, 'must be 1-100 letters, digits or . _ : / - (starting with a letter or digit)');
    return v;
  }

  text(field: string, { max = 200, required = true } = {}): string {
    const v = cleanText(this.raw(field));
    if (v === '' && required) this.fail(field, 'is required');
    else if (v.length > max) this.fail(field, `must be at most ${max} characters`);
    return v;
  }

  email(field: string): string {
    const v = cleanEmail(this.raw(field));
    if (v === '') this.fail(field, 'is required');
    else if (!isEmailAddress(v)) this.fail(field, 'must be an e-mail address');
    return v;
  }

  zip(field: string): string {
    const v = cleanScalar(this.raw(field));
    if (v === '') this.fail(field, 'is required');
    else if (!/^\d{5}(-\d{4})?$/.test(v)) this.fail(field, 'must be a 5-digit US ZIP');
    return v.slice(0, 5);
  }

  zips(field: string, { required }: { required: boolean }): string[] {
    const value = this.raw(field);
    const parts = (
      Array.isArray(value) ? value.map(cleanScalar) : cleanScalar(value).split(/[;,|\s]+/)
    ).filter(Boolean);
    if (parts.length === 0 && required) this.fail(field, 'needs at least one ZIP');
    const bad = parts.find((z) => !/^\d{5}$/.test(z));
    if (bad !== undefined) this.fail(field, `"${bad.slice(0, 20)}" is not a 5-digit ZIP`);
    return [...new Set(parts)];
  }

  httpsUrl(field: string): string {
    const v = cleanScalar(this.raw(field));
    if (v === '') {
      this.fail(field, 'is required');
      return v;
    }
    const url = URL.canParse(v) ? new URL(v) : null;
    if (
      !url ||
      url.protocol !== 'https:' ||
      !url.hostname.includes('.') ||
      url.username ||
      url.password ||
      v.length > 500
    ) {
      this.fail(field, 'must be an https:// URL');
    }
    return v;
  }

  ein(field: string): string {
    const v = cleanScalar(this.raw(field));
    const m = /^(\d{2})-?(\d{7})$/.exec(v);
    if (!m) {
      this.fail(field, v === '' ? 'is required' : 'must be an EIN (NN-NNNNNNN)');
      return v;
    }
    return `${m[1]}-${m[2]}`;
  }

  positiveInt(field: string, { required = true, max = 1_000_000_000 } = {}): number | null {
    const v = cleanScalar(this.raw(field));
    if (v === '') {
      if (required) this.fail(field, 'is required');
      return null;
    }
    if (!/^\d+$/.test(v) || Number(v) <= 0 || Number(v) > max) {
      this.fail(field, `must be a whole number from 1 to ${max}`);
      return null;
    }
    return Number(v);
  }

  number(field: string, { min, max }: { min: number; max: number }): number {
    const v = cleanScalar(this.raw(field));
    const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
    if (v === '') this.fail(field, 'is required');
    else if (!Number.isFinite(n) || n <= min || n > max)
      this.fail(field, `must be a number greater than ${min} and at most ${max}`);
    return n;
  }

  date(field: string): Date {
    const v = cleanScalar(this.raw(field));
    // Plain dates repeat across a file's rows (offers share validity windows): parsed once.
    const known = v.length === 10 ? PLAIN_DATES.get(v) : undefined;
    if (known) return new Date(known);
    const d = ISO_DATE.test(v) ? new Date(v.length === 10 ? `${v}T00:00:00Z` : v) : new Date(NaN);
    if (v === '') this.fail(field, 'is required');
    else if (
      Number.isNaN(d.getTime()) ||
      (v.length >= 10 && d.toISOString().slice(0, 10) !== v.slice(0, 10) && !/[+-]\d{2}:?\d{2}$/.test(v))
    ) {
      this.fail(field, 'must be an ISO 8601 date (YYYY-MM-DD or date-time)');
      return new Date(NaN);
    }
    if (v.length === 10) {
      if (PLAIN_DATES.size >= 10_000) PLAIN_DATES.clear();
      PLAIN_DATES.set(v, d.getTime());
    }
    return d;
  }

  stateCode(field: string): string {
    const v = cleanScalar(this.raw(field)).toUpperCase();
    if (v === '') this.fail(field, 'is required');
    else if (!US_STATES.has(v)) this.fail(field, 'must be a two-letter US state code');
    return v;
  }

  /** valid_until after valid_from (only when both parsed). */
  ordered(from: Date, until: Date, field: string): void {
    if (!Number.isNaN(from.getTime()) && !Number.isNaN(until.getTime()) && until <= from)
      this.fail(field, 'must be after valid_from');
  }

  /** `active`: true/false (also yes/no, 1/0, y/n, any case); empty or absent means true. */
  flag(field: string): boolean {
    const value = this.raw(field);
    if (typeof value === 'boolean') return value;
    const v = cleanScalar(value).toLowerCase();
    if (v === '' || ['true', 'yes', 'y', '1'].includes(v)) return true;
    if (['false', 'no', 'n', '0'].includes(v)) return false;
    this.fail(field, 'must be true or false');
    return true;
  }

  badge(field: string): string {
    const v = cleanScalar(this.raw(field)).toUpperCase();
    if (v === '') this.fail(field, 'is required');
    else if (!/^[A-Z0-9-]{1,32}$/.test(v)) this.fail(field, 'must be 1-32 letters, digits or -');
    return v;
  }

  result<T>(row: T): RowResult<T> {
    return this.errors.length > 0 ? { ok: false, errors: this.errors } : { ok: true, row };
  }
}

const RULES: { [K in EtlKind]: (r: RowReader) => RowResult } = {
  retailers: (r) =>
    r.result<RetailerRow>({
      externalId: r.externalId('external_id'),
      name: r.text('name'),
      website: r.httpsUrl('website'),
      contactEmail: r.email('contact_email'),
      zip: r.zip('zip'),
      active: r.flag('active'),
    }),
  offers: (r) => {
    const row: OfferRow = {
      externalId: r.externalId('external_id'),
      retailerExternalId: r.externalId('retailer_external_id'),
      title: r.text('title'),
      pointsCost: r.positiveInt('points_cost', { max: 1_000_000 }) ?? 0,
      discount: r.text('discount', { max: 100 }),
      validFrom: r.date('valid_from'),
      validUntil: r.date('valid_until'),
      maxRedemptions: r.positiveInt('max_redemptions', { required: false }),
      zips: r.zips('zips', { required: false }),
      active: r.flag('active'),
    };
    r.ordered(row.validFrom, row.validUntil, 'valid_until');
    return r.result(row);
  },
  municipalities: (r) =>
    r.result<MunicipalityRow>({
      externalId: r.externalId('external_id'),
      name: r.text('name'),
      state: r.stateCode('state'),
      zips: r.zips('zips', { required: true }),
      active: r.flag('active'),
    }),
  schemes: (r) => {
    const row: SchemeRow = {
      externalId: r.externalId('external_id'),
      municipalityExternalId: r.externalId('municipality_external_id'),
      title: r.text('title'),
      multiplier: r.number('multiplier', { min: 0, max: 10 }),
      validFrom: r.date('valid_from'),
      validUntil: r.date('valid_until'),
      active: r.flag('active'),
    };
    r.ordered(row.validFrom, row.validUntil, 'valid_until');
    return r.result(row);
  },
  charities: (r) =>
    r.result<CharityRow>({
      externalId: r.externalId('external_id'),
      name: r.text('name'),
      description: r.text('description', { max: 2_000 }),
      website: r.httpsUrl('website'),
      ein: r.ein('ein'),
      active: r.flag('active'),
    }),
  officers: (r) =>
    r.result<OfficerRow>({
      badgeNumber: r.badge('badge_number'),
      email: r.email('email'),
      firstName: r.text('first_name', { max: 100 }),
      lastName: r.text('last_name', { max: 100 }),
      precinct: r.text('precinct', { max: 100 }),
      zip: r.zip('zip'),
      active: r.flag('active'),
    }),
};

/** Sanitises and validates one record (keys are lower-case column names). */
export function validateRow(kind: EtlKind, record: Record<string, unknown>): RowResult {
  return RULES[kind](new RowReader(record));
}

/** The identifying value of a validated row (external id, or e-mail for officers). */
export function rowKey(row: EtlRow): string {
  return 'externalId' in row ? row.externalId : row.email;
}

/** The parent external id a validated row refers to, if its kind has a parent. */
export function parentRef(row: EtlRow): string | null {
  if ('retailerExternalId' in row) return row.retailerExternalId;
  if ('municipalityExternalId' in row) return row.municipalityExternalId;
  return null;
}
