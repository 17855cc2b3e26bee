import { Injectable } from '@nestjs/common';
import { PositionUnknown } from '../domain/connections.errors.js';
import { roundDistance, type LatLng } from '../domain/geo.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import { GeoIndex, type GeoHit } from '../infrastructure/geo-index.js';
import { DisplayNames } from './ports.js';

/**
 * One entry of a `nearby` answer. `lat, lng` is the officer's coarse position (a fixed grid
 * cell's centre, docs/security.md) and `distanceM` the distance to it, rounded to 10 m:
 * every figure comes from the coarse position, never from the exact one.
 */
export interface NearbyOfficer {
  officerId: string;
  displayName: string;
  distanceM: number;
  lat: number;
  lng: number;
}

/** 5 decimals (≈ 1 m): the cell centre as the index holds it, without its float noise. */
const shown = (v: number): number => Math.round(v * 100_000) / 100_000;

/** Officers with an open window and a fresh location near a point, nearest first. */
@Injectable()
export class NearbyQuery {
  constructor(
    private readonly geo: GeoIndex,
    private readonly names: DisplayNames,
    private readonly config: ConnectionsConfig,
  ) {}

  /** Around the caller's own last fresh position (never a point the caller names); POSITION_UNKNOWN without one. */
  async aroundMe(citizenId: string, radiusM: number, now = Date.now()): Promise<NearbyOfficer[]> {
    const me = await this.geo.position('citizen', citizenId);
    if (!me || me.seenAt < now - this.config.staleAfterMs) throw new PositionUnknown('citizen');
    return this.near(me, radiusM);
  }

  /** Around a position the server holds for the caller (its fix just written, or its last one). */
  async near(p: LatLng, radiusM = this.config.citizenRadiusM): Promise<NearbyOfficer[]> {
    return this.present(await this.geo.search('officer', p, radiusM, this.config.nearbyLimit));
  }

  /** Officers' hits are at their coarse positions (the officers' GEO set holds nothing else). */
  async present(hits: GeoHit[]): Promise<NearbyOfficer[]> {
    if (hits.length === 0) return [];
    const names = await this.names.lookup(hits.map((h) => h.id));
    return hits.map((h) => ({
      officerId: h.id,
      displayName: names.get(h.id) ?? 'Officer',
      distanceM: roundDistance(h.distanceM),
      lat: shown(h.lat),
      lng: shown(h.lng),
    }));
  }
}
