/** Fifty US metro centres (approximate city-hall coordinates) for synthetic load. */
export const METROS: Array<{ name: string; lat: number; lng: number }> = [
  ['New York', 40.7128, -74.006],
  ['Los Angeles', 34.0522, -118.2437],
  ['Chicago', 41.8781, -87.6298],
  ['Houston', 29.7604, -95.3698],
  ['Phoenix', 33.4484, -112.074],
  ['Philadelphia', 39.9526, -75.1652],
  ['San Antonio', 29.4241, -98.4936],
  ['San Diego', 32.7157, -117.1611],
  ['Dallas', 32.7767, -96.797],
  ['San Jose', 37.3382, -121.8863],
  ['Austin', 30.2672, -97.7431],
  ['Jacksonville', 30.3322, -81.6557],
  ['Fort Worth', 32.7555, -97.3308],
  ['Columbus', 39.9612, -82.9988],
  ['Charlotte', 35.2271, -80.8431],
  ['San Francisco', 37.7749, -122.4194],
  ['Indianapolis', 39.7684, -86.1581],
  ['Seattle', 47.6062, -122.3321],
  ['Denver', 39.7392, -104.9903],
  ['Washington', 38.9072, -77.0369],
  ['Boston', 42.3601, -71.0589],
  ['El Paso', 31.7619, -106.485],
  ['Nashville', 36.1627, -86.7816],
  ['Detroit', 42.3314, -83.0458],
  ['Oklahoma City', 35.4676, -97.5164],
  ['Portland', 45.5152, -122.6784],
  ['Las Vegas', 36.1699, -115.1398],
  ['Memphis', 35.1495, -90.049],
  ['Louisville', 38.2527, -85.7585],
  ['Baltimore', 39.2904, -76.6122],
  ['Milwaukee', 43.0389, -87.9065],
  ['Albuquerque', 35.0844, -106.6504],
  ['Tucson', 32.2226, -110.9747],
  ['Fresno', 36.7378, -119.7871],
  ['Sacramento', 38.5816, -121.4944],
  ['Kansas City', 39.0997, -94.5786],
  ['Mesa', 33.4152, -111.8315],
  ['Atlanta', 33.749, -84.388],
  ['Omaha', 41.2565, -95.9345],
  ['Colorado Springs', 38.8339, -104.8214],
  ['Raleigh', 35.7796, -78.6382],
  ['Miami', 25.7617, -80.1918],
  ['Long Beach', 33.7701, -118.1937],
  ['Virginia Beach', 36.8529, -75.978],
  ['Oakland', 37.8044, -122.2712],
  ['Minneapolis', 44.9778, -93.265],
  ['Tulsa', 36.154, -95.9928],
  ['Tampa', 27.9506, -82.4572],
  ['Arlington', 32.7357, -97.1081],
  ['New Orleans', 29.9511, -90.0715],
].map(([name, lat, lng]) => ({ name: name as string, lat: lat as number, lng: lng as number }));

/** A deterministic pseudo-random generator, so every run indexes the same synthetic city. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A point uniformly within `radiusM` of a centre. */
export function around(
  c: { lat: number; lng: number },
  radiusM: number,
  r: () => number,
): { lat: number; lng: number } {
  const d = Math.sqrt(r()) * radiusM;
  const a = r() * 2 * Math.PI;
  const dLat = (d * Math.cos(a)) / 111_320;
  const dLng = (d * Math.sin(a)) / (111_320 * Math.cos((c.lat * Math.PI) / 180));
  return { lat: c.lat + dLat, lng: c.lng + dLng };
}
