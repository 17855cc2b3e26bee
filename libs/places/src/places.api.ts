import { createRequire } from 'node:module';
import { Injectable } from '@nestjs/common';
import { placeOf, type Place } from './domain/place.js';
import { UsGazetteer } from './infrastructure/us-gazetteer.js';

// A CommonJS module whose typings declare an ES default export: required, so both loaders agree.
const zipState = createRequire(import.meta.url)('zip-state') as (zip: string) => string | null;

let shared: UsGazetteer | null = null;

/**
 * The data are read-only: one copy per process, however many Nest apps it runs (tests run
 * several), loaded at the first lookup (≈ 0.4 s once) so that booting, and every process that
 * never places a point, does not pay for it.
 */
function gazetteer(): UsGazetteer {
  shared ??= new UsGazetteer(stateOfZip);
  return shared;
}

/** USPS state of a ZIP by the maintained `zip-state` table (sectional centers plus exceptions); null when unassigned. */
export function stateOfZip(zip: string | null | undefined): string | null {
  return zip && /^\d{5}$/.test(zip) ? zipState(zip) : null;
}

/**
 * What other contexts may ask about places: the state, county and ZIP of a point, offline
 * (boundary and ZIP data ship in registry packages; no network call). About 10 µs a lookup;
 * call it when a place is needed (a window opens, a presence, an accept), not per location message.
 */
@Injectable()
export class PlacesApi {
  /** The place of `lat, lng`; `appZip` (what the app sent, if anything) is kept but flagged when it disagrees with the coordinates' state. */
  locate(at: { lat: number; lng: number }, appZip?: string | null): Place {
    return placeOf(gazetteer().locate(at.lat, at.lng), appZip, stateOfZip);
  }

  /** USPS state of a ZIP, or null. */
  stateOfZip(zip: string | null | undefined): string | null {
    return stateOfZip(zip);
  }
}
