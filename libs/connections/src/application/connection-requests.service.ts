import { AuditTrail, type AuditActor } from '@heyblue/iam';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PlacesApi } from '@heyblue/places';
import { OutboxService } from '@heyblue/platform';
import { SOCKET_EVENTS } from '../connections.constants.js';
import {
  NotYourRequest,
  OfficerNotAvailable,
  PositionUnknown,
  RequestAlreadyPending,
  RequestExpired,
  RequestNotFound,
  RequestNotPending,
} from '../domain/connections.errors.js';
import { distanceM as distance, roundDistance } from '../domain/geo.js';
import {
  CITIZEN_CAP_WINDOW_MS,
  earningVerdict,
  OFFICER_CAP_WINDOW_MS,
  type NoPointsReason,
} from '../domain/rules/earning-caps.rule.js';
import { officerAndCitizenMustBeNearby } from '../domain/rules/officer-and-citizen-must-be-nearby.rule.js';
import { oneConnectionPerPairPerDay } from '../domain/rules/one-connection-per-pair-per-day.rule.js';
import { ConnectionEstablished } from '../events/connection-established.integration-event.js';
import { ConnectionRepository, type ConnectionRow } from '../infrastructure/connection.repository.js';
import { ConnectionsConfig } from '../infrastructure/connections.config.js';
import { GeoIndex, type IndexedPosition, type IndexRole } from '../infrastructure/geo-index.js';
import { RequestStore, type StoredRequest } from '../infrastructure/request-store.js';
import { WindowStore } from '../infrastructure/window-store.js';
import { AccountNotifier, DisplayNames } from './ports.js';

/** The contract's `connection`, seen by one of its two parties. */
export interface ConnectionView {
  id: string;
  officerId: string;
  citizenId: string;
  establishedAt: string;
  pointsAwarded: number;
  /** false when an anti-farming cap was reached: the connection stands but earns neither side points. */
  earnsPoints: boolean;
  /** Why it earns nothing: `CITIZEN_DAILY_CAP` or `OFFICER_HOURLY_CAP`; null when it earns. */
  noPointsReason: NoPointsReason | null;
}

export function toConnectionView(row: ConnectionRow, viewerId: string): ConnectionView {
  return {
    id: row.id,
    officerId: row.officerId,
    citizenId: row.citizenId,
    establishedAt: row.establishedAt.toISOString(),
    pointsAwarded: viewerId === row.officerId ? row.officerPoints : row.citizenPoints,
    earnsPoints: row.earnsPoints,
    noPointsReason: row.earnsPoints ? null : (row.noPointsReason as NoPointsReason),
  };
}

export interface RequestView {
  requestId: string;
  status: 'pending';
  expiresAt: string;
}

/** A citizen asks a nearby officer to connect; the officer accepts or declines. */
@Injectable()
export class ConnectionRequestsService {
  constructor(
    private readonly requests: RequestStore,
    private readonly windows: WindowStore,
    private readonly geo: GeoIndex,
    private readonly connections: ConnectionRepository,
    private readonly outbox: OutboxService,
    private readonly notifier: AccountNotifier,
    private readonly names: DisplayNames,
    private readonly config: ConnectionsConfig,
    private readonly places: PlacesApi,
    private readonly audit: AuditTrail,
  ) {}

  async request(
    citizenId: string,
    officerId: string,
    now = Date.now(),
    actor?: AuditActor,
  ): Promise<RequestView> {
    const [window, officerAt, citizenAt] = await Promise.all([
      this.windows.get(officerId, now),
      this.freshPosition('officer', officerId, now),
      this.freshPosition('citizen', citizenId, now),
    ]);
    if (!window || !officerAt) throw new OfficerNotAvailable();
    if (!citizenAt) throw new PositionUnknown('citizen');
    // The citizen's call is measured against the officer's coarse position only (widened so
    // that no pair within the threshold is refused): a TOO_FAR answer then tells nothing that
    // `nearby` does not. The exact test runs at accept, the officer's own call
    // (docs/security.md, "the proximity oracle").
    officerAndCitizenMustBeNearby(
      officerAt.shown ?? this.geo.coarse.centreOf(officerAt),
      citizenAt,
      this.config.proximityM,
      this.geo.coarse.maxOffsetM,
    );
    const distanceM = distance(officerAt, citizenAt);
    oneConnectionPerPairPerDay(
      await this.connections.lastConnectionAt(this.connections.prisma, officerId, citizenId),
      new Date(now),
    );
    const request: StoredRequest = {
      id: randomUUID(),
      citizenId,
      officerId,
      distanceM,
      status: 'pending',
      createdAt: now,
      expiresAt: now + this.config.requestTtlMs,
    };
    if (!(await this.requests.create(request))) throw new RequestAlreadyPending();
    // The request lives in Redis, so its entry follows it; the rounded distance, never a position.
    if (actor)
      await this.audit.record({
        actor,
        action: 'connection_requested',
        targetId: request.id,
        detail: { officerId, distanceM: roundDistance(distanceM) },
      });
    const names = await this.names.lookup([citizenId]);
    await this.notifier.toAccount(officerId, SOCKET_EVENTS.connectionRequested, {
      requestId: request.id,
      citizen: { id: citizenId, displayName: names.get(citizenId) ?? 'Citizen' },
      distanceM: roundDistance(distanceM),
    });
    return { requestId: request.id, status: 'pending', expiresAt: new Date(request.expiresAt).toISOString() };
  }

  /**
   * Re-checks both latest positions, enforces one connection per pair per 24 h, and
   * persists the connection with its `ConnectionEstablished` event in one transaction.
   * Accepting an already accepted request answers the same connection (safe retry).
   */
  async accept(
    officerId: string,
    requestId: string,
    now = Date.now(),
    actor?: AuditActor,
  ): Promise<ConnectionView> {
    const request = await this.addressedTo(officerId, requestId, now);
    if (request.status === 'accepted') {
      const existing = await this.connections.findByRequest(requestId);
      if (existing) {
        this.audit.unchanged();
        return toConnectionView(existing, officerId);
      }
    }
    this.claimed(await this.requests.transition(requestId, 'pending', 'accepting', now));
    let row: ConnectionRow;
    try {
      row = await this.establish(request, now, actor);
    } catch (err) {
      // Still answerable: the pair may move closer before the request expires.
      await this.requests.transition(requestId, 'accepting', 'pending', now);
      throw err;
    }
    await this.requests.transition(requestId, 'accepting', 'accepted', now);
    await this.requests.releasePair(request);
    await this.notifier.toAccount(request.citizenId, SOCKET_EVENTS.connectionAccepted, {
      requestId,
      connection: toConnectionView(row, request.citizenId),
    });
    return toConnectionView(row, officerId);
  }

  async decline(officerId: string, requestId: string, now = Date.now(), actor?: AuditActor): Promise<void> {
    const request = await this.addressedTo(officerId, requestId, now);
    this.claimed(await this.requests.transition(requestId, 'pending', 'declined', now));
    await this.requests.releasePair(request);
    if (actor)
      await this.audit.record({
        actor,
        action: 'connection_request_declined',
        targetId: requestId,
        detail: { citizenId: request.citizenId },
      });
    await this.notifier.toAccount(request.citizenId, SOCKET_EVENTS.connectionDeclined, { requestId });
  }

  /**
   * The account left (demoted officer, suspended account): requests addressed to it are
   * declined (`connection.declined` to the citizen); requests it made expire, so no officer can
   * accept them any more. Returns how many ended.
   */
  async endPendingOf(accountId: string, now = Date.now()): Promise<number> {
    let ended = 0;
    for (const r of await this.requests.pendingFor(accountId, this.config.requestTtlMs, now)) {
      const toIt = r.officerId === accountId;
      if ((await this.requests.transition(r.id, 'pending', toIt ? 'declined' : 'expired', now)) !== 'ok')
        continue;
      await this.requests.releasePair(r);
      if (toIt) this.notifier.toAccount(r.citizenId, SOCKET_EVENTS.connectionDeclined, { requestId: r.id });
      ended += 1;
    }
    return ended;
  }

  private async establish(request: StoredRequest, now: number, actor?: AuditActor): Promise<ConnectionRow> {
    const [window, officerAt, citizenAt] = await Promise.all([
      this.windows.get(request.officerId, now),
      this.freshPosition('officer', request.officerId, now),
      this.freshPosition('citizen', request.citizenId, now),
    ]);
    if (!officerAt) throw new PositionUnknown('officer');
    if (!citizenAt) throw new PositionUnknown('citizen');
    officerAndCitizenMustBeNearby(officerAt, citizenAt, this.config.proximityM);
    // Where the officer stands now; a ZIP the officer's app gave at the window wins (flagged if another state).
    const place = this.places.locate(officerAt, window?.zip);
    const establishedAt = new Date(now);
    const row = await this.connections.prisma.$transaction(async (tx) => {
      // Serialises every accept touching this officer or this citizen: the pair rule and the
      // earning caps below are then counted with no concurrent insert in between.
      await this.connections.lockParties(tx, request.officerId, request.citizenId);
      oneConnectionPerPairPerDay(
        await this.connections.lastConnectionAt(tx, request.officerId, request.citizenId),
        establishedAt,
      );
      const earning = earningVerdict(
        await this.connections.earnedSince(
          tx,
          request.citizenId,
          new Date(now - CITIZEN_CAP_WINDOW_MS),
          request.officerId,
          new Date(now - OFFICER_CAP_WINDOW_MS),
        ),
        this.config.earningCaps,
      );
      const created = await this.connections.insert(tx, {
        id: randomUUID(),
        requestId: request.id,
        officerId: request.officerId,
        citizenId: request.citizenId,
        establishedAt,
        zip: place.zip,
        cell: this.geo.grid.cellOf(officerAt),
        earnsPoints: earning.earnsPoints,
        noPointsReason: earning.noPointsReason,
      });
      await this.outbox.publish(
        tx,
        new ConnectionEstablished(
          {
            connectionId: created.id,
            officerId: created.officerId,
            citizenId: created.citizenId,
            establishedAt: created.establishedAt.toISOString(),
            zip: created.zip,
            county: place.county,
            countyFips: place.countyFips,
            state: place.state,
            zipSource: place.zipSource,
            zipMismatch: place.zipMismatch,
            cell: created.cell,
            earnsPoints: earning.earnsPoints,
            noPointsReason: earning.noPointsReason,
          },
          { occurredAt: establishedAt },
        ),
      );
      if (actor)
        await this.audit.record(
          {
            actor,
            action: 'connection_request_accepted',
            targetId: request.id,
            detail: {
              connectionId: created.id,
              citizenId: created.citizenId,
              zip: created.zip,
              earnsPoints: earning.earnsPoints,
              ...(earning.noPointsReason ? { noPointsReason: earning.noPointsReason } : {}),
            },
          },
          tx,
        );
      return created;
    });
    this.outbox.kick();
    return row;
  }

  private async addressedTo(officerId: string, requestId: string, now: number): Promise<StoredRequest> {
    const request = await this.requests.get(requestId, now);
    if (!request) throw new RequestNotFound();
    if (request.officerId !== officerId) throw new NotYourRequest();
    return request;
  }

  private claimed(result: string): void {
    if (result === 'ok') return;
    if (result === 'missing') throw new RequestNotFound();
    if (result === 'expired') throw new RequestExpired();
    throw new RequestNotPending(result);
  }

  private async freshPosition(role: IndexRole, id: string, now: number): Promise<IndexedPosition | null> {
    const p = await this.geo.position(role, id);
    return p && p.seenAt >= now - this.config.staleAfterMs ? p : null;
  }
}
