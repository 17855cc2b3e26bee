import type { LatLng } from '../domain/geo.js';

// Redis GEO's grid: 26 bits per axis over these ranges (geohash.h), latitude in the even bits.
// Geohash libraries (ngeohash's decode_int and the like) use ±90° of latitude, not Redis's
// Web Mercator band, so they do not give Redis's positions; the unit test pins this decoder to GEOPOS.
const STEP = 26;
const LAT_MIN = -85.05112878;
const LAT_MAX = 85.05112878;
const LNG_MIN = -180;
const LNG_MAX = 180;
const CELLS = 2 ** STEP;
const TWO_32 = 2 ** 32;

/** The bits at even positions of a 32-bit word, packed into its low 16 bits. */
function evenBits(word: number): number {
  let x = word & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/**
 * The position Redis stores for a member, from its 52-bit geohash (the GEO set's score, as
 * `GEOSEARCH … WITHHASH` returns it): the centre of its grid cell, exactly as GEOPOS answers
 * (geohashDecodeToLongLatWGS84). Lets the search scripts return one integer per member
 * instead of three formatted doubles, whose conversion cost more than the search itself.
 */
export function decodeGeohash(hash: number): LatLng {
  const lo = hash >>> 0; // ToUint32: the low 32 bits (exact, the score is an integer < 2^52)
  const hi = Math.floor(hash / TWO_32);
  const latCell = evenBits(hi) * 65_536 + evenBits(lo);
  const lngCell = evenBits(hi >>> 1) * 65_536 + evenBits(lo >>> 1);
  const latMin = LAT_MIN + (latCell / CELLS) * (LAT_MAX - LAT_MIN);
  const latMax = LAT_MIN + ((latCell + 1) / CELLS) * (LAT_MAX - LAT_MIN);
  const lngMin = LNG_MIN + (lngCell / CELLS) * (LNG_MAX - LNG_MIN);
  const lngMax = LNG_MIN + ((lngCell + 1) / CELLS) * (LNG_MAX - LNG_MIN);
  return {
    lat: Math.min(LAT_MAX, Math.max(LAT_MIN, (latMin + latMax) / 2)),
    lng: Math.min(LNG_MAX, Math.max(LNG_MIN, (lngMin + lngMax) / 2)),
  };
}
