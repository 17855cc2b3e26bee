import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Audited, type AuditAuthor } from '@heyblue/iam';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { RateLimit } from '@heyblue/platform';
import { RetailerVouchers, type VoucherCheck } from '../infrastructure/retailer-vouchers.js';
import { VoucherSigner, type PublishedKey } from '../infrastructure/voucher-signer.js';
import { VoucherCodeDto, VoucherCodeParam } from './dto/requests.dto.js';
import { PublicKeysDto, VoucherCheckDto } from './dto/responses.dto.js';
import { CurrentRetailer, RetailerActor, RetailerAuth } from './request-context.js';

/** Per client IP: generous for a busy till, far too slow to sweep codes or keys (override: RATE_LIMITS=voucher-checks=…). */
const VOUCHER_CHECKS = { name: 'voucher-checks', points: 300, durationS: 60 };

@ApiTags('vouchers')
@Controller('vouchers')
export class VouchersController {
  constructor(
    private readonly signer: VoucherSigner,
    private readonly vouchers: RetailerVouchers,
  ) {}

  @Get('public-key')
  @ApiOperation({
    summary: 'Public keys to verify voucher signatures offline (Ed25519 over `<code>|<offerId>|<expiresAt>`)',
  })
  @ApiOkResponse({ type: PublicKeysDto })
  publicKey(): { keys: PublishedKey[] } {
    return { keys: this.signer.publishedKeys() };
  }

  @Post('verify')
  @Audited('voucher_verified')
  @HttpCode(200)
  @RateLimit(VOUCHER_CHECKS)
  @RetailerAuth()
  @ApiOperation({ summary: "Check one of this retailer's vouchers" })
  @ApiOkResponse({ type: VoucherCheckDto })
  @ApiNotFoundResponse({ description: 'VOUCHER_NOT_FOUND (unknown, or another retailer’s)' })
  verify(
    @CurrentRetailer() retailerId: string,
    @Body() body: VoucherCodeDto,
    @RetailerActor() actor: AuditAuthor,
  ): Promise<VoucherCheck> {
    return this.vouchers.verify(retailerId, body.code, actor);
  }

  @Post(':code/use')
  @Audited('voucher_used')
  @HttpCode(200)
  @RateLimit(VOUCHER_CHECKS)
  @RetailerAuth()
  @ApiOperation({ summary: 'Mark a voucher used (once)' })
  @ApiOkResponse({ type: VoucherCheckDto })
  @ApiNotFoundResponse({ description: 'VOUCHER_NOT_FOUND (unknown, or another retailer’s)' })
  @ApiConflictResponse({ description: 'VOUCHER_USED' })
  @ApiUnprocessableEntityResponse({ description: 'VOUCHER_EXPIRED' })
  use(
    @CurrentRetailer() retailerId: string,
    @Param() p: VoucherCodeParam,
    @RetailerActor() actor: AuditAuthor,
  ): Promise<VoucherCheck> {
    return this.vouchers.use(retailerId, p.code, actor);
  }
}
