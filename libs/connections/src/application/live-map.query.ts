import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor } from '@heyblue/iam';
import { ValidationFailed } from '@heyblue/platform';
import { roundPosition } from '../domain/geo.js';
import { citizenCells, LIVE_MAP_CAP, parseBBox, US_BBOX } from '../domain/live-map.js';
import { LiveMapReader } from '../infrastructure/live-map.reader.js';
import { WindowStore } from '../infrastructure/window-store.js';

export interface LiveMap {
  at: string;
  officers: Array<{ accountId: string; lat: number; lng: number; updatedAt: string }>;
  citizens: Array<{ lat: number; lng: number; count: number }>;
  truncated: boolean;
}

/**
 * Citizens read per partition at most: a partition is ≈ 30 × 20 km, so this bounds one
 * script's work in Redis; a busier partition is undercounted and the answer says truncated.
 */
const CITIZENS_PER_PARTITION = 20_000;

/** The admin live map: available officers (≈ 100 m) and active citizens (counts per 0.1° cell). */
@Injectable()
export class LiveMapQuery {
  constructor(
    private readonly reader: LiveMapReader,
    private readonly windows: WindowStore,
    private readonly audit: AuditTrail,
  ) {}

  /** What an admin sees; each look is an audit entry (a read of location data), naming the box at 0.1° and the counts, never a position. */
  async view(viewer: AuditActor, bbox?: string): Promise<LiveMap> {
    const map = await this.snapshot(bbox);
    const box = bbox?.split(',').map((x) => Math.round(Number(x) * 10) / 10);
    await this.audit.record({
      actor: viewer,
      action: 'live_map_viewed',
      detail: { box: box ?? 'us', officers: map.officers.length, cells: map.citizens.length },
    });
    return map;
  }

  async snapshot(bbox?: string, now = Date.now()): Promise<LiveMap> {
    const box = bbox === undefined ? US_BBOX : parseBBox(bbox);
    if (!box) {
      throw new ValidationFailed([
        {
          field: 'bbox',
          message: 'bbox must be west,south,east,north in degrees with west < east and south < north',
        },
      ]);
    }
    // One over the cap per partition tells "exactly the cap" from "more than the cap".
    const [o, c] = await Promise.all([
      this.reader.officers(box, LIVE_MAP_CAP + 1, now),
      this.reader.citizenCounts(box, CITIZENS_PER_PARTITION, now),
    ]);
    // A window that expired but was not swept yet (or closed while an update raced it) does not count.
    const open = await this.openAmong(
      o.officers.map((x) => x.id),
      now,
    );
    const available = o.officers
      .filter((x) => open.has(x.id))
      .sort((a, b) => b.seenAt - a.seenAt || (a.id < b.id ? -1 : 1));
    const cells = citizenCells(c.counts, LIVE_MAP_CAP);
    return {
      at: new Date(now).toISOString(),
      officers: available
        .slice(0, LIVE_MAP_CAP)
        .map((x) => ({ accountId: x.id, ...roundPosition(x), updatedAt: new Date(x.seenAt).toISOString() })),
      citizens: cells.cells,
      truncated: available.length > LIVE_MAP_CAP || o.full || cells.truncated || c.full,
    };
  }

  private async openAmong(ids: string[], now: number): Promise<Set<string>> {
    const open = new Set<string>();
    for (let i = 0; i < ids.length; i += 1_000)
      for (const id of await this.windows.openAmong(ids.slice(i, i + 1_000), now)) open.add(id);
    return open;
  }
}
