import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { PlacesApi, type Place } from '@heyblue/places';
import { AuditTrail, type AuditActor } from '@heyblue/iam';
import { SOCKET_EVENTS, WINDOW_MINUTES } from '../connections.constants.js';
import type { LatLng } from '../domain/geo.js';
import { GeoIndex } from '../infrastructure/geo-index.js';
import { WindowNotices } from '../infrastructure/window-notices.js';
import { WindowStore } from '../infrastructure/window-store.js';
import { PositionHistory } from './position-history.js';
import { AccountNotifier } from './ports.js';

export interface OpenWindow {
  windowId: string;
  expiresAt: Date;
  /** Where the window opens (state, county, ZIP), never the position itself. */
  place: Place;
}

/** Officers' availability windows: open, close, and expiry (driven by the sweeper on any instance). */
@Injectable()
export class AvailabilityService {
  private readonly logger = new Logger('Availability');

  constructor(
    private readonly windows: WindowStore,
    private readonly geo: GeoIndex,
    private readonly notifier: AccountNotifier,
    private readonly places: PlacesApi,
    private readonly audit: AuditTrail,
    private readonly history: PositionHistory,
    private readonly notices: WindowNotices,
  ) {}

  /**
   * Opens (or renews) the officer's window and puts the officer in the index at once.
   * A renewal replaces the previous window without an `availability.expired`. The position
   * passes the speed check first (IMPLAUSIBLE_MOVE changes nothing).
   */
  async open(
    officerId: string,
    at: LatLng,
    zip: string | null,
    minutes: number = WINDOW_MINUTES.default,
    now = Date.now(),
    actor?: AuditActor,
  ): Promise<OpenWindow> {
    const last = await this.history.last('officer', officerId);
    const fix = { lat: at.lat, lng: at.lng, t: now };
    this.history.check(last.fix, fix);
    const windowId = randomUUID();
    const expiresAt = now + minutes * 60_000;
    // Scheduled first: a notice of a window that then failed to open finds no such window and stays silent.
    await this.notices.schedule({ officerId, windowId }, expiresAt, now);
    await this.windows.open({ windowId, officerId, expiresAt, zip });
    await this.geo.updateOfficer(officerId, at, last.cell, now, this.geo.coarse.coarsen(at, last.shown));
    await this.history.remember(officerId, fix);
    this.notifier.windowChanged(officerId);
    // The window lives in Redis, so the entry follows it; the ZIP, never the position.
    if (actor)
      await this.audit.record({
        actor,
        action: 'availability_opened',
        targetId: windowId,
        detail: { zip, minutes },
      });
    return { windowId, expiresAt: new Date(expiresAt), place: this.places.locate(at, zip) };
  }

  /** Closes the window: out of the index at once; `availability.expired` to the officer's sockets. */
  async close(officerId: string, actor?: AuditActor): Promise<void> {
    const windowId = await this.windows.close(officerId);
    await this.geo.remove('officer', officerId);
    this.notifier.windowChanged(officerId);
    if (windowId) {
      await this.notifier.toAccount(officerId, SOCKET_EVENTS.availabilityExpired, { windowId });
      await this.notices.cancel(windowId);
    }
    if (!actor) return;
    if (windowId) await this.audit.record({ actor, action: 'availability_closed', targetId: windowId });
    else this.audit.unchanged();
  }

  /**
   * The account is no longer an officer (demoted, suspended): the window closes and the officer
   * leaves the index at once; `availability.expired` goes to their sockets on every instance,
   * which are then closed (as when a window expires). Repeats change nothing.
   */
  async withdraw(officerId: string): Promise<void> {
    const windowId = await this.windows.close(officerId);
    await this.geo.remove('officer', officerId);
    this.notifier.windowChanged(officerId);
    if (windowId) this.notifier.windowExpired(officerId, windowId);
  }

  /**
   * The window is about to end (its notice fell due): `availability.expiring` to the officer's
   * sockets and devices, with the window id and end. Nothing when that window is no longer the
   * officer's open one (closed early, expired, renewed: a renewal has a notice of its own).
   * Rejects when the push could not be queued, so the scheduled job is retried.
   */
  async noticeExpiring(officerId: string, windowId: string, now = Date.now()): Promise<boolean> {
    const open = await this.windows.get(officerId, now);
    if (!open || open.windowId !== windowId) return false;
    await this.notifier.toAccount(
      officerId,
      SOCKET_EVENTS.availabilityExpiring,
      { windowId, expiresAt: new Date(open.expiresAt).toISOString() },
      { mustQueue: true },
    );
    return true;
  }

  /** Expires every due window (each claimed by exactly one instance). Returns how many. */
  async expireDue(now = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const due = await this.windows.claimExpired(now);
      for (const { officerId, windowId } of due) {
        await this.geo.remove('officer', officerId);
        this.notifier.windowChanged(officerId);
        // Design card: once the window expires the officer's websocket is closed.
        if (windowId) this.notifier.windowExpired(officerId, windowId);
      }
      total += due.length;
      if (due.length < 100) break;
    }
    if (total > 0) this.logger.debug(`expired ${total} availability window(s)`);
    return total;
  }
}
