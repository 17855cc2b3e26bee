/** Where a point is, as far as the app's areas go: state, county, ZIP. Never the point itself. */
export interface Place {
  /** `US` when the point lies in a US state, DC or a territory; null elsewhere (at sea, abroad). */
  country: 'US' | null;
  /** USPS abbreviation, e.g. `IL`. */
  state: string | null;
  /** County (or parish, borough, census area) name, e.g. `Cook`. */
  county: string | null;
  /** 5-digit county FIPS code, e.g. `17031`. */
  countyFips: string | null;
  /** 5-digit ZIP: the one the app sent, else the one derived from the coordinates. */
  zip: string | null;
  zipSource: 'app' | 'derived' | null;
  /** The app's ZIP belongs to another state than the coordinates (or the coordinates are outside the US). */
  zipMismatch: boolean;
}

/** What the boundary data say about a point; null outside the US. */
export interface DerivedPlace {
  state: string;
  county: string | null;
  countyFips: string | null;
  zip: string | null;
}

export const NOWHERE: Readonly<Place> = Object.freeze({
  country: null,
  state: null,
  county: null,
  countyFips: null,
  zip: null,
  zipSource: null,
  zipMismatch: false,
});

/**
 * The app's ZIP wins when it sends one (the officer may know better than a centroid), but a
 * ZIP of another state than the coordinates is flagged so reports and admins can see it.
 */
export function placeOf(
  derived: DerivedPlace | null,
  appZip: string | null | undefined,
  stateOfZip: (zip: string) => string | null,
): Place {
  const base: Place = derived
    ? {
        country: 'US',
        state: derived.state,
        county: derived.county,
        countyFips: derived.countyFips,
        zip: derived.zip,
        zipSource: derived.zip ? 'derived' : null,
        zipMismatch: false,
      }
    : { ...NOWHERE };
  if (!appZip) return base;
  return { ...base, zip: appZip, zipSource: 'app', zipMismatch: stateOfZip(appZip) !== base.state };
}
