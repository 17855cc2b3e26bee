import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { parseRateLimitOverrides, type Env } from '@heyblue/platform';
import { LIMITS } from '../connections.constants.js';

/** The connections context's settings, read once (the hot path must not go through ConfigService). */
@Injectable()
export class ConnectionsConfig {
  readonly proximityM: number;
  readonly requestTtlMs: number;
  readonly staleAfterMs: number;
  readonly locationRatePerS: number;
  readonly maxSpeedKmh: number;
  readonly jumpSlackM: number;
  readonly nearbyLimit: number;
  readonly radiusStepsM: number[];
  readonly candidateCap: number;
  readonly citizenRadiusM: number;
  readonly partitionPrecision: number;
  readonly sweepIntervalMs: number;
  readonly socketRecheckMs: number;
  readonly publicBaseUrl: string | undefined;
  readonly coarseCellM: number;
  readonly maxSocketsPerAccount: number;
  /** Anti-farming caps on points-earning connections (rolling windows). */
  readonly earningCaps: { citizenPerDay: number; officerPerHour: number };
  /** `nearby` answers per account per window over sockets (LIMITS.nearbyAcks, RATE_LIMITS may override). */
  readonly nearbyAckBudget: { points: number; windowMs: number };
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY, as for HTTP): socket handshakes are limited per client IP. */
  readonly trustProxy: string[];

  constructor(config: ConfigService<Env, true>) {
    const get = <K extends keyof Env>(k: K): Env[K] => config.get(k, { infer: true });
    this.proximityM = get('CONNECTIONS_PROXIMITY_M');
    this.requestTtlMs = get('CONNECTIONS_REQUEST_TTL_S') * 1000;
    this.staleAfterMs = get('CONNECTIONS_STALE_AFTER_S') * 1000;
    this.locationRatePerS = get('CONNECTIONS_LOCATION_RATE_PER_S');
    this.maxSpeedKmh = get('CONNECTIONS_MAX_SPEED_KMH');
    this.jumpSlackM = get('CONNECTIONS_JUMP_SLACK_M');
    this.nearbyLimit = get('CONNECTIONS_NEARBY_LIMIT');
    this.radiusStepsM = get('CONNECTIONS_NEARBY_RADIUS_STEPS_M')
      .split(',')
      .map(Number)
      .sort((a, b) => a - b);
    this.candidateCap = Math.max(get('CONNECTIONS_NEARBY_CANDIDATE_CAP'), this.nearbyLimit);
    this.citizenRadiusM = get('CONNECTIONS_CITIZEN_RADIUS_M');
    this.partitionPrecision = get('CONNECTIONS_PARTITION_PRECISION');
    this.sweepIntervalMs = get('CONNECTIONS_SWEEP_INTERVAL_MS');
    this.socketRecheckMs = get('CONNECTIONS_SOCKET_RECHECK_S') * 1000;
    this.publicBaseUrl = get('PUBLIC_BASE_URL');
    this.coarseCellM = get('CONNECTIONS_COARSE_CELL_M');
    this.maxSocketsPerAccount = get('CONNECTIONS_MAX_SOCKETS_PER_ACCOUNT');
    this.earningCaps = {
      citizenPerDay: get('CONNECTIONS_CITIZEN_DAILY_EARNING_CAP'),
      officerPerHour: get('CONNECTIONS_OFFICER_HOURLY_EARNING_CAP'),
    };
    const acks = parseRateLimitOverrides(get('RATE_LIMITS')).get(LIMITS.nearbyAcks.name) ?? LIMITS.nearbyAcks;
    this.nearbyAckBudget = { points: acks.points, windowMs: acks.durationS * 1000 };
    this.trustProxy = get('TRUST_PROXY')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  }

  /** Radius steps for a search up to `radiusM`: the configured steps below it, then the radius itself. */
  radiiFor(radiusM: number): number[] {
    let radii = this.radii.get(radiusM);
    if (!radii) {
      radii = [...this.radiusStepsM.filter((r) => r < radiusM), radiusM];
      // Radii are integers in 50..5000: a small, bounded memo.
      if (this.radii.size < 10_000) this.radii.set(radiusM, radii);
    }
    return radii;
  }

  private readonly radii = new Map<number, number[]>();
}
