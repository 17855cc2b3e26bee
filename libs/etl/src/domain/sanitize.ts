/**
 * Cleaning applied to every uploaded value before validation. Free text keeps its words but
 * loses markup, control characters and a leading spreadsheet formula trigger, so a report
 * exported to CSV and opened in a spreadsheet cannot run a formula planted in an upload.
 */
import { isEmail } from 'class-validator';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { neutraliseFormula } from '@heyblue/platform';

const CONTROL =
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2066-\u2069\uFEFF]/g;
const TAG = /<\/?[a-zA-Z][^<>]*>|<!--[\s\S]*?-->/g;

/** Trim, collapse whitespace, strip control characters. */
export function cleanScalar(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  return s.replace(CONTROL, '').replace(/\s+/g, ' ').trim();
}

/** Free text: HTML tags and entities out, control characters out, whitespace collapsed, formulas neutralised. */
export function cleanText(value: unknown): string {
  const noTags = cleanScalar(value)
    .replace(TAG, ' ')
    .replace(
      /&(nbsp|amp|lt|gt|quot|#39);/g,
      (_, e: string) => ({ nbsp: ' ', amp: '&', lt: '', gt: '', quot: '"', '#39': "'" })[e] ?? '',
    );
  return neutraliseFormula(noTags.replace(/[<>]/g, '').replace(/\s+/g, ' ').trim());
}

/** E-mail addresses compare case-insensitively in practice; store them lower-case. */
export function cleanEmail(value: unknown): string {
  return cleanScalar(value).toLowerCase();
}

/** An e-mail address by class-validator's `isEmail` (validator.js), the same test the API's DTOs apply. */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && isEmail(value);
}

/**
 * A phone number in E.164 (`+12125550123`) when libphonenumber-js finds it valid for its
 * country (numbers without `+` are read as `defaultCountry`'s); null otherwise.
 */
export function toE164(value: unknown, defaultCountry: CountryCode = 'US'): string | null {
  const s = cleanScalar(value);
  if (s === '') return null;
  const phone = parsePhoneNumberFromString(s, defaultCountry);
  return phone?.isValid() ? phone.number : null;
}
