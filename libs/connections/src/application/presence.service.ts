import { Injectable } from '@nestjs/common';
import { PlacesApi, type Place } from '@heyblue/places';
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
    private readonly places: PlacesApi,
  ) {}

  async share(citizenId: string, at: LatLng & { zip?: string }, now = Date.now()): Promise<{ nearby: NearbyOfficer[]; place: Place }> {
    const { officers } = await this.geo.updateCitizenAndSearch(citizenId, at, undefined, this.config.citizenRadiusM, this.config.nearbyLimit, now);
    return { nearby: await this.nearby.present(officers), place: this.places.locate(at, at.zip) };
  }
}
