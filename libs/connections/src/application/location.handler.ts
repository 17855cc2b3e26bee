import { Injectable, Logger } from '@nestjs/common';
import { LIMITS, SOCKET_EVENTS } from '../connections.constants.js';
import { CODES } from '../domain/connections.errors.js';
import { parseLocationMessage } from '../domain/location-message.js';
import type { Cell } from '../domain/partition.js';
import { isPlausibleMove, type Fix } from '../domain/rules/move-must-be-plausible.rule.js';
import { TokenBucket } from '../domain/token-bucket.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import { GeoIndex, type GeoHit, type IndexRole } from '../infrastructure/geo-index.js';
import { WindowStore } from '../infrastructure/window-store.js';
import type { LatLng } from '../domain/geo.js';
import { NearbyQuery, type NearbyOfficer } from './nearby.query.js';
import { PositionHistory } from './position-history.js';
import { AccountNotifier } from './ports.js';

/** What a socket remembers between `location` messages (it lives on one instance only). */
export interface LocationState {
  accountId: string;
  role: IndexRole;
  bucket: TokenBucket;
  /** Whether `last`/`cell` were loaded from the index (a reconnect must not reset the speed check). */
  loaded: boolean;
  /** The load in flight (started when the socket connected, or by the first message). */
  loading?: Promise<void>;
  last?: Fix;
  /** Officers: the coarse position last shown (hysteresis: kept while the officer stays near its cell). */
  shown?: LatLng;
  /** When this socket last saved its fix beyond the index (LastFixStore); saved at most every FIX_SAVE_EVERY_MS. */
  fixSavedAt?: number;
  /** Partition last written; null when none. */
  cell?: Cell | null;
  /** Officers: the open window's expiry (epoch ms), null when none, undefined when unknown. */
  windowExpiresAt?: number | null;
  /** Officers: the window read in flight (started when the socket connected). */
  windowLoading?: Promise<void>;
  /** Officers: bumped by every "window changed"; a read that started before a bump does not store its answer. */
  windowVersion: number;
  /** Officers: citizens within reach at the previous update (push only to new ones). */
  nearCitizens?: Set<string>;
}

/** Whether the socket's state knows of an open window at `now`. */
function isOpen(state: LocationState, now: number): boolean {
  return state.windowExpiresAt != null && state.windowExpiresAt > now;
}

export type LocationAck = { ok: true; nearby?: NearbyOfficer[] } | { ok: false; code: string };

const RATE_LIMITED: LocationAck = Object.freeze({ ok: false, code: CODES.RATE_LIMITED }) as LocationAck;
const INVALID: LocationAck = Object.freeze({ ok: false, code: CODES.INVALID_LOCATION }) as LocationAck;
const IMPLAUSIBLE: LocationAck = Object.freeze({ ok: false, code: CODES.IMPLAUSIBLE_MOVE }) as LocationAck;
const NO_WINDOW: LocationAck = Object.freeze({ ok: false, code: CODES.NO_OPEN_WINDOW }) as LocationAck;
const OK: LocationAck = Object.freeze({ ok: true }) as LocationAck;

/**
 * How often a socket saves its fix beyond the index. The index holds the exact last fix while
 * it is fresh; the kept one only has to stop a jump after the index forgot the account, and
 * one a little older only loosens the check by the distance drivable since.
 */
const FIX_SAVE_EVERY_MS = 15_000;

/**
 * The hot path: one `location` message. Rate limit, validation and the speed check run in
 * memory; an officer's update is one scripted Redis command (plus neighbour-partition
 * searches in the same tick); so is a citizen's update with its nearby search.
 */
@Injectable()
export class LocationHandler {
  private readonly logger = new Logger('Location');

  constructor(
    private readonly geo: GeoIndex,
    private readonly windows: WindowStore,
    private readonly nearby: NearbyQuery,
    private readonly notifier: AccountNotifier,
    private readonly config: ConnectionsConfig,
    private readonly history: PositionHistory,
  ) {}

  newState(accountId: string, role: IndexRole): LocationState {
    return {
      accountId,
      role,
      bucket: new TokenBucket(this.config.locationRatePerS),
      loaded: false,
      windowVersion: 0,
    };
  }

  /**
   * Starts loading where the account was last seen (and an officer's open window) as soon as
   * its socket connects, so the first `location` message does not wait for it. A failed
   * preload is retried by that message, which then answers the error.
   */
  preload(state: LocationState): void {
    this.ensureLoaded(state).catch(() => undefined);
    if (state.role === 'officer') {
      // A failed read leaves the window unknown: the first message reads it again.
      const settled = (): void => {
        state.windowLoading = undefined;
      };
      state.windowLoading = this.readWindow(state).then(settled, settled);
    }
  }

  async handle(state: LocationState, raw: unknown): Promise<LocationAck> {
    const now = Date.now();
    if (!state.bucket.take(now)) return RATE_LIMITED;
    const msg = parseLocationMessage(raw);
    if (!msg) return INVALID;
    if (!state.loaded) await this.ensureLoaded(state);
    const fix: Fix = { lat: msg.lat, lng: msg.lng, t: now };
    if (!isPlausibleMove(state.last, fix, this.config.maxSpeedKmh, this.config.jumpSlackM))
      return IMPLAUSIBLE;
    if (state.role === 'officer') {
      if (!isOpen(state, now)) {
        // The preload's answer, when it is still on its way; else (or when it found no open
        // window: one may have opened since) a fresh read.
        if (state.windowLoading) await state.windowLoading;
        if (!isOpen(state, now) && !(await this.readWindow(state, now))) return NO_WINDOW;
      }
      state.last = fix;
      const shown = this.geo.coarse.coarsen(fix, state.shown);
      state.shown = shown;
      const { cell, citizens } = await this.geo.updateOfficer(state.accountId, fix, state.cell, now, shown);
      state.cell = cell;
      this.saveFix(state, fix);
      this.pushToNewCitizens(state, citizens);
      return OK;
    }
    state.last = fix;
    // The per-account budget of nearby answers (all sockets, all instances) is counted in the
    // same write as the update: no extra round trip. Over budget, the fix is still recorded
    // (the speed check passed) but no answer is given.
    const budget = this.config.nearbyAckBudget;
    const [spent, { cell, officers }] = await Promise.all([
      this.geo.spend(state.accountId, LIMITS.nearbyAcks.name, budget.windowMs),
      this.geo.updateCitizenAndSearch(
        state.accountId,
        fix,
        state.cell,
        this.config.citizenRadiusM,
        this.config.nearbyLimit,
        now,
      ),
    ]);
    state.cell = cell;
    this.saveFix(state, fix);
    if (spent > budget.points) return RATE_LIMITED;
    return { ok: true, nearby: await this.nearby.present(officers) };
  }

  /** The window changed somewhere: reload on the next message; drop the officer if it is gone. */
  async windowChanged(state: LocationState): Promise<void> {
    state.windowVersion += 1;
    state.windowExpiresAt = undefined;
    // An update racing the close may have re-added the officer after the closer removed it.
    if (!(await this.readWindow(state))) await this.geo.remove('officer', state.accountId);
  }

  /**
   * Reads the officer's open window into the socket's state, unless the window changed while
   * the read was on its way (the read that the change started stores its answer instead).
   * Returns whether a window is open.
   */
  private async readWindow(state: LocationState, now = Date.now()): Promise<boolean> {
    const version = state.windowVersion;
    const window = await this.windows.get(state.accountId, now);
    if (state.windowVersion === version) state.windowExpiresAt = window?.expiresAt ?? null;
    return window !== null;
  }

  /** One load per socket, shared by the preload and any messages that arrive while it runs. */
  private ensureLoaded(state: LocationState): Promise<void> {
    state.loading ??= this.load(state).finally(() => {
      state.loading = undefined;
    });
    return state.loading;
  }

  /** Where this account was last seen, so a reconnect cannot skip the speed check. */
  private async load(state: LocationState): Promise<void> {
    const last = await this.history.last(state.role, state.accountId);
    state.last = last.fix;
    state.shown = last.shown;
    state.cell = last.cell;
    state.loaded = true;
  }

  /** Best effort, off the ack's path: a failed save only leaves an older kept fix. */
  private saveFix(state: LocationState, fix: Fix): void {
    if (state.fixSavedAt !== undefined && fix.t - state.fixSavedAt < FIX_SAVE_EVERY_MS) return;
    state.fixSavedAt = fix.t;
    this.history
      .remember(state.accountId, fix)
      .catch((err: Error) => this.logger.warn(`last fix not kept: ${err.message}`));
  }

  /** `officers.nearby` to citizens this officer just came within reach of (their own nearest list). */
  private pushToNewCitizens(state: LocationState, citizens: GeoHit[]): void {
    const before = state.nearCitizens;
    if (citizens.length === 0 && !before?.size) return;
    const now = new Set<string>();
    const arrived: GeoHit[] = [];
    for (const c of citizens) {
      now.add(c.id);
      if (!before?.has(c.id)) arrived.push(c);
    }
    state.nearCitizens = now;
    for (const c of arrived) {
      this.nearby.near(c).then(
        (nearby) => void this.notifier.toAccount(c.id, SOCKET_EVENTS.officersNearby, { nearby }),
        (err: Error) => this.logger.warn(`officers.nearby push failed: ${err.message}`),
      );
    }
  }
}
