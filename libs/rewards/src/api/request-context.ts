import {
  applyDecorators,
  createParamDecorator,
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiHeader, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuditAuthor } from '@heyblue/iam';
import { Unauthorized, ValidationFailed } from '@heyblue/platform';
import { RetailerVouchers } from '../infrastructure/retailer-vouchers.js';

type RetailerRequest = FastifyRequest & { retailerId?: string; retailerKeyId?: string };

/** Authenticates retailer calls by `X-Retailer-Key` (401 RETAILER_KEY_INVALID otherwise). */
@Injectable()
export class RetailerKeyGuard implements CanActivate {
  constructor(private readonly vouchers: RetailerVouchers) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RetailerRequest>();
    const header = request.headers['x-retailer-key'];
    const key = typeof header === 'string' ? header.trim() : '';
    const found = key ? await this.vouchers.retailerForKey(key) : null;
    if (!found) throw new Unauthorized('RETAILER_KEY_INVALID', 'A valid X-Retailer-Key header is required.');
    request.retailerId = found.retailerId;
    request.retailerKeyId = found.keyId;
    return true;
  }
}

/** Routes retailers call with their API key. */
export const RetailerAuth = () =>
  applyDecorators(
    UseGuards(RetailerKeyGuard),
    ApiSecurity('retailer-key'),
    ApiUnauthorizedResponse({ description: 'Missing or unknown X-Retailer-Key (401 RETAILER_KEY_INVALID).' }),
  );

export const CurrentRetailer = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const id = ctx.switchToHttp().getRequest<RetailerRequest>().retailerId;
  if (!id) throw new Unauthorized('RETAILER_KEY_INVALID', 'A valid X-Retailer-Key header is required.');
  return id;
});

/** The retailer key behind the call, as the audit trail names it (the key id, never the key). */
export const RetailerActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuditAuthor => {
  const req = ctx.switchToHttp().getRequest<RetailerRequest>();
  if (!req.retailerKeyId)
    throw new Unauthorized('RETAILER_KEY_INVALID', 'A valid X-Retailer-Key header is required.');
  const ua = req.headers['user-agent'];
  return {
    accountId: null,
    kind: 'retailer_key',
    ref: req.retailerKeyId,
    ip: req.ip,
    userAgent: typeof ua === 'string' ? ua : null,
  };
});

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The optional `Idempotency-Key` header of points-moving writes (1-255 visible ASCII characters). */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): string | undefined => {
    const raw = ctx.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || !KEY.test(raw)) {
      throw new ValidationFailed([
        { field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' },
      ]);
    }
    return raw;
  },
);

export const ApiIdempotencyKey = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$', maxLength: 255 },
    description:
      'A repeat with the same key gets the first answer again — the 201, or the business refusal ' +
      '(422/404) — and moves nothing; send a new key for a new attempt. Another request under a ' +
      'used key answers 422 IDEMPOTENCY_KEY_REUSED.',
  });
