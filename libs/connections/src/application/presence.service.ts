import { Injectable } from '@nestjs/common';
import { PlacesApi, type Place } from '@heyblue/places';
import type { LatLng } from '../domain/geo.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import { GeoIndex } from '../infrastructure/geo-index.js';
import { NearbyQuery, type NearbyOfficer } from './nearby.query.js';
import { PositionHistory } from './position-history.js';

/** A citizen shares a position: speed-checked, into the short-lived citizens' index, answered with the officers around it. */
@Injectable()
export class PresenceService {
  constructor(
    private readonly geo: GeoIndex,
    private readonly nearby: NearbyQuery,
    private readonly history: PositionHistory,
    private readonly config: ConnectionsConfig,
    private readonly places: PlacesApi,
  ) {}

  async share(
    citizenId: string,
    at: LatLng & { zip?: string },
    now = Date.now(),
  ): Promise<{ nearby: NearbyOfficer[]; place: Place }> {
    const last = await this.history.last('citizen', citizenId);
    const fix = { lat: at.lat, lng: at.lng, t: now };
    this.history.check(last.fix, fix);
    const { officers } = await this.geo.updateCitizenAndSearch(
      citizenId,
      at,
      last.cell,
      this.config.citizenRadiusM,
      this.config.nearbyLimit,
      now,
    );
    await this.history.remember(citizenId, fix);
    return { nearby: await this.nearby.present(officers), place: this.places.locate(at, at.zip) };
  }
}
