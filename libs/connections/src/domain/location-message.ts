import { isValidPosition } from './geo.js';

/** A validated `location` socket message. */
export interface LocationMessage {
  lat: number;
  lng: number;
  accuracyM?: number;
  at?: string | number;
}

const ALLOWED = new Set(['lat', 'lng', 'accuracyM', 'at']);

/**
 * Validates an untrusted `location` payload without allocating much (it runs on every
 * update). Returns null when the payload is not `{lat, lng, accuracyM?, at?}` with sane values.
 */
export function parseLocationMessage(raw: unknown): LocationMessage | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const m = raw as Record<string, unknown>;
  for (const k in m) if (!ALLOWED.has(k)) return null;
  if (!isValidPosition(m.lat, m.lng)) return null;
  const { accuracyM, at } = m;
  if (
    accuracyM !== undefined &&
    (typeof accuracyM !== 'number' || !Number.isFinite(accuracyM) || accuracyM < 0 || accuracyM > 100_000)
  )
    return null;
  if (at !== undefined) {
    if (typeof at === 'string') {
      if (at.length > 40 || Number.isNaN(Date.parse(at))) return null;
    } else if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) return null;
  }
  return m as unknown as LocationMessage;
}
