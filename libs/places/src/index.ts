/** The places context: offline reverse geocoding of US points to state, county and ZIP. */
export { PlacesModule } from './places.module.js';
export { PlacesApi, stateOfZip } from './places.api.js';
export type { Place } from './domain/place.js';
