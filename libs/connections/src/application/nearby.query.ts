import { Injectable } from '@nestjs/common';
import { roundDistance, roundPosition, type LatLng } from '../domain/geo.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import { GeoIndex, type GeoHit } from '../infrastructure/geo-index.js';
import { DisplayNames } from './ports.js';

/** One entry of a `nearby` answer: position rounded to ≈ 100 m, distance to 10 m. */
export interface NearbyOfficer {
  officerId: string;
  displayName: string;
  distanceM: number;
  lat: number;
  lng: number;
}

/** Officers with an open window and a fresh location near a point, nearest first. */
@Injectable()
export class NearbyQuery {
  constructor(
    private readonly geo: GeoIndex,
    private readonly names: DisplayNames,
    private readonly config: ConnectionsConfig,
  ) {}

  async near(p: LatLng, radiusM = this.config.citizenRadiusM): Promise<NearbyOfficer[]> {
    return this.present(await this.geo.search('officer', p, radiusM, this.config.nearbyLimit));
  }

  async present(hits: GeoHit[]): Promise<NearbyOfficer[]> {
    if (hits.length === 0) return [];
    const names = await this.names.lookup(hits.map((h) => h.id));
    return hits.map((h) => {
      const r = roundPosition(h);
      return { officerId: h.id, displayName: names.get(h.id) ?? 'Officer', distanceM: roundDistance(h.distanceM), lat: r.lat, lng: r.lng };
    });
  }
}
