import {
  CanActivate,
  ExecutionContext,
  Injectable,
  Optional,
  SetMetadata,
  applyDecorators,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Env } from '../config/environment.js';
import { DomainError } from '../errors/domain-error.js';
import { RedisService } from '../redis/redis.service.js';

export interface RateLimitRule {
  /** Stable name; `RATE_LIMITS=name=points/seconds` overrides the numbers. */
  name: string;
  points: number;
  durationS: number;
  /** What is counted: the client IP (default) or the signed-in account (falls back to IP). */
  by?: 'ip' | 'account';
}

const RATE_LIMIT = 'heyblue:rate-limit';

/**
 * Who is calling, for limits counted per account. The identity context provides it; the
 * kernel knows no sessions. Asked only by routes limited `by: 'account'`, so no other
 * request pays for a credentials lookup before its own guards run.
 */
export abstract class RequestAccountResolver {
  /** The signed-in account behind the request; undefined without valid credentials (never throws for bad ones). */
  abstract resolve(request: FastifyRequest): Promise<{ id: string } | undefined>;
}

/**
 * Limits a route; counters live in Redis so the limit holds across instances. Every answer of
 * the route carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds),
 * and a 429 also `Retry-After` (the OpenAPI document describes them on every such route).
 */
export const RateLimit = (rule: RateLimitRule) =>
  applyDecorators(
    SetMetadata(RATE_LIMIT, rule),
    ApiTooManyRequestsResponse({ description: 'Rate limited (429 RATE_LIMITED, Retry-After).' }),
  );

/** Where a key stands against a limit after a request. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window restarts. */
  resetS: number;
}

/** Raised when a limit is exceeded; the problem carries `retryAfter` and the header is set. */
export class RateLimited extends DomainError {
  /** The limit's state, when a limiter of ours refused (absent for a provider's refusal). */
  state?: RateLimitState;

  constructor(retryAfterS: number, code = 'RATE_LIMITED') {
    super(code, 'Too many requests; slow down.', 429, { retryAfter: retryAfterS });
  }
}

/** The `RateLimit-*` answer headers (draft-ietf-httpapi-ratelimit-headers, separate fields). */
export function rateLimitHeaders(s: RateLimitState): Record<string, string> {
  return {
    'RateLimit-Limit': String(s.limit),
    'RateLimit-Remaining': String(Math.max(0, s.remaining)),
    'RateLimit-Reset': String(Math.max(0, s.resetS)),
  };
}

/** Parses `name=points/seconds,...`. */
export function parseRateLimitOverrides(spec: string): Map<string, { points: number; durationS: number }> {
  const map = new Map<string, { points: number; durationS: number }>();
  for (const part of spec.split(',').filter(Boolean)) {
    const [name, value] = part.split('=');
    const [points, durationS] = (value ?? '').split('/').map(Number);
    if (name && points && durationS) map.set(name, { points, durationS });
  }
  return map;
}

/** Consumes one point of a named limit for a key; reusable outside HTTP (sockets, OTP). */
@Injectable()
export class RateLimiter {
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private readonly overrides: Map<string, { points: number; durationS: number }>;

  constructor(
    private readonly redis: RedisService,
    config: ConfigService<Env, true>,
  ) {
    this.overrides = parseRateLimitOverrides(config.get('RATE_LIMITS', { infer: true }));
  }

  /** Throws RateLimited when the key has used up the rule's points; answers where the key stands. */
  async consume(rule: RateLimitRule, key: string, points = 1): Promise<RateLimitState> {
    const limiter = this.limiterFor(rule);
    const state = (res: RateLimiterRes): RateLimitState => ({
      limit: limiter.points,
      remaining: res.remainingPoints,
      resetS: Math.ceil(res.msBeforeNext / 1000),
    });
    try {
      return state(await limiter.consume(key, points));
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        const err = new RateLimited(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
        err.state = state(res);
        throw err;
      }
      throw res;
    }
  }

  /** Clears a key's counter (e.g. after a successful sign-in). */
  async reset(rule: RateLimitRule, key: string): Promise<void> {
    await this.limiterFor(rule).delete(key);
  }

  private limiterFor(rule: RateLimitRule): RateLimiterRedis {
    let limiter = this.limiters.get(rule.name);
    if (!limiter) {
      const o = this.overrides.get(rule.name);
      limiter = new RateLimiterRedis({
        storeClient: this.redis.client,
        keyPrefix: this.redis.key('rl', rule.name),
        points: o?.points ?? rule.points,
        duration: o?.durationS ?? rule.durationS,
      });
      this.limiters.set(rule.name, limiter);
    }
    return limiter;
  }
}

@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
    @Optional() private readonly accounts?: RequestAccountResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<RateLimitRule | undefined>(RATE_LIMIT, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const account = rule.by === 'account' ? await this.accounts?.resolve(request) : undefined;
    const key = account ? `a:${account.id}` : `ip:${request.ip}`;
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    try {
      void reply.headers(rateLimitHeaders(await this.limiter.consume(rule, key)));
    } catch (err) {
      if (err instanceof RateLimited && err.state) void reply.headers(rateLimitHeaders(err.state));
      throw err;
    }
    return true;
  }
}
