// The core entry with the metadata passed in: the default entry imports a JSON file without
// an import attribute, which Jest's ESM mode warns about on every load.
import { Metadata, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';
import { IamErrors } from '../iam.errors.js';

/**
 * OTPs go only to numbers of the configured countries (SMS pumping: premium and far-away
 * numbers cost the sender). A number no country's plan recognises counts for the main country
 * of its calling code (+1 → US), as the number would be routed there.
 */
export function phoneMustBeInSupportedCountry(phone: string, countries: readonly string[]): CountryCode {
  const parsed = parsePhoneNumberFromString(phone, metadata);
  const country = parsed ? (parsed.country ?? mainCountry(parsed.countryCallingCode)) : undefined;
  if (!parsed || !parsed.isPossible() || !country || !countries.includes(country))
    throw IamErrors.phoneCountryNotSupported();
  return country;
}

// The method exists in libphonenumber-js's Metadata class but not in its type declarations.
const plans = new Metadata(metadata) as unknown as {
  getCountryCodesForCallingCode(code: string): CountryCode[] | undefined;
};

/** The first country listed for a calling code is its main one (+1 → US). */
function mainCountry(callingCode: string): CountryCode | undefined {
  return plans.getCountryCodesForCallingCode(callingCode)?.[0];
}
