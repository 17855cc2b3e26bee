import { Injectable } from '@nestjs/common';
import type { LatLng } from '../domain/geo.js';
import type { Cell } from '../domain/partition.js';
import { moveMustBePlausible, type Fix } from '../domain/rules/move-must-be-plausible.rule.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import { GeoIndex, type IndexRole } from '../infrastructure/geo-index.js';
import { LastFixStore } from '../infrastructure/last-fix.store.js';

/** What the server knows of an account's last position, for the next write. */
export interface LastPosition {
  /** The newest accepted fix (from the index, or the longer-lived last-fix store). */
  fix?: Fix;
  /** Officers: the coarse position currently shown (hysteresis keeps it while the officer stays near). */
  shown?: LatLng;
  /** The partition the account is indexed in; undefined when unknown. */
  cell?: Cell | null;
}

/**
 * The one speed check every position write passes (REST presence and availability, socket
 * `location`): the same rule, the same settings, against the newest fix the server kept.
 */
@Injectable()
export class PositionHistory {
  constructor(
    private readonly geo: GeoIndex,
    private readonly fixes: LastFixStore,
    private readonly config: ConnectionsConfig,
  ) {}

  async last(role: IndexRole, accountId: string): Promise<LastPosition> {
    const [indexed, kept] = await Promise.all([
      this.geo.position(role, accountId),
      this.fixes.get(accountId),
    ]);
    const fromIndex: Fix | undefined = indexed
      ? { lat: indexed.lat, lng: indexed.lng, t: indexed.seenAt }
      : undefined;
    const fix = !fromIndex ? kept : !kept || fromIndex.t >= kept.t ? fromIndex : kept;
    return { fix, shown: indexed?.shown, cell: indexed ? indexed.cell : undefined };
  }

  /** Throws IMPLAUSIBLE_MOVE (changing nothing) when `next` cannot follow `previous`. */
  check(previous: Fix | undefined, next: Fix): void {
    moveMustBePlausible(previous, next, this.config.maxSpeedKmh, this.config.jumpSlackM);
  }

  /** Keeps the fix beyond the index's memory (see LastFixStore). */
  remember(accountId: string, fix: Fix): Promise<void> {
    return this.fixes.put(accountId, fix);
  }
}
