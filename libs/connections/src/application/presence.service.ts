import { Injectable } from '@nestjs/common';
import type { LatLng } from '../domain/geo.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import { GeoIndex } from '../infrastructure/geo-index.js';
import { NearbyQuery, type NearbyOfficer } from './nearby.query.js';

/** A citizen shares a position: into the short-lived citizens' index, answered with the officers around. */
@Injectable()
export class PresenceService {
  constructor(
    private readonly geo: GeoIndex,
    private readonly nearby: NearbyQuery,
    private readonly config: ConnectionsConfig,
  ) {}

  async share(citizenId: string, at: LatLng, now = Date.now()): Promise<NearbyOfficer[]> {
    const { officers } = await this.geo.updateCitizenAndSearch(citizenId, at, undefined, this.config.citizenRadiusM, this.config.nearbyLimit, now);
    return this.nearby.present(officers);
  }
}
