import { decodeGeohash } from './redis-geohash.js';

// ZSCORE and GEOPOS of members added with GEOADD to Redis 7.0 (`redis-cli geoadd k <lng> <lat> m`).
const REDIS = [
  { at: 'New York', score: 1791873974549446, lng: -74.0060010552406311, lat: 40.71279898695150479 },
  { at: 'Los Angeles', score: 1364471881910084, lng: -118.24370115995407104, lat: 34.05220066882552743 },
  { at: 'Sydney', score: 3252046221964352, lng: 151.20929986238479614, lat: -33.86880091934155956 },
  { at: 'London', score: 2163557714838307, lng: -0.12760072946548462, lat: 51.50720053692975853 },
  { at: 'north-east corner', score: 4503599624526382, lng: 179.98999804258346558, lat: 85.04999956172351006 },
  { at: 'south-west corner', score: 2844113, lng: -179.98999804258346558, lat: -85.04999956172352427 },
];

describe('decodeGeohash', () => {
  it.each(REDIS)('gives the position GEOPOS answers ($at)', ({ score, lng, lat }) => {
    const p = decodeGeohash(score);
    expect(p.lng).toBeCloseTo(lng, 12);
    expect(p.lat).toBeCloseTo(lat, 12);
  });
});
