/** Plain geography helpers (no Nest, no Redis). */

export interface LatLng {
  lat: number;
  lng: number;
}

/** The Earth radius Redis uses for GEODIST/GEOSEARCH, so our distances agree with the index. */
export const EARTH_RADIUS_M = 6_372_797.560856;

const rad = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine, Redis's formula). */
export function distanceM(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Positions shown to others are rounded to 3 decimals (≈ 111 m of latitude, ≈ 85 m of
 * longitude in the contiguous US): "about 100 m", never the officer's exact spot.
 */
export function roundPosition(p: LatLng): LatLng {
  return { lat: Math.round(p.lat * 1000) / 1000, lng: Math.round(p.lng * 1000) / 1000 };
}

/**
 * Distances shown to others are rounded to 10 m so that exact distances from several
 * vantage points cannot triangulate an exact position.
 */
export function roundDistance(m: number): number {
  return Math.round(m / 10) * 10;
}

/** Whether a value is a valid coordinate pair (contract: lat ∈ [-90, 90], lng ∈ [-180, 180]). */
export function isValidPosition(lat: unknown, lng: unknown): boolean {
  return (
    typeof lat === 'number' &&
    typeof lng === 'number' &&
    Number.isFinite(lat) &&
    Number.isFinite(lng) &&
    lat >= -90 &&
    lat <= 90 &&
    lng >= -180 &&
    lng <= 180
  );
}
