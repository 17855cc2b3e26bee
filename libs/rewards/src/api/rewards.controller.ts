import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import {
  Actor,
  Auth,
  CurrentAccount,
  type AuditActor,
  type AuthenticatedAccount,
  Audited,
} from '@heyblue/iam';
import { ApiUuidParam, NotFound, PageQueryDto, type Page } from '@heyblue/platform';
import {
  DonatePointsHandler,
  type DonationResult,
} from '../application/donate-points/donate-points.handler.js';
import {
  RedeemOfferHandler,
  type RedeemOfferResult,
} from '../application/redeem-offer/redeem-offer.handler.js';
import { Ledger } from '../application/ports.js';
import {
  RewardsQueries,
  type CharityView,
  type LedgerEntryView,
  type MyVoucherView,
  type OfferView,
  type SchemeView,
} from '../infrastructure/rewards.queries.js';
import { DonatePointsDto, RedeemOfferDto, ZipListQueryDto } from './dto/requests.dto.js';
import {
  BalanceDto,
  CharityPageDto,
  DonationDto,
  LedgerEntryDto,
  LedgerPageDto,
  MyVoucherPageDto,
  OfferPageDto,
  RedemptionDto,
  SchemePageDto,
} from './dto/responses.dto.js';
import { ApiIdempotencyKey, IdempotencyKey } from './request-context.js';

@ApiTags('rewards')
@Controller('rewards')
export class RewardsController {
  constructor(
    private readonly ledger: Ledger,
    private readonly queries: RewardsQueries,
    private readonly redeem: RedeemOfferHandler,
    private readonly donate: DonatePointsHandler,
  ) {}

  @Get('balance')
  @Auth()
  @ApiOperation({ summary: 'My points balance, read from the ledger' })
  @ApiOkResponse({ type: BalanceDto })
  async balance(@CurrentAccount() account: AuthenticatedAccount): Promise<{ balance: number }> {
    return { balance: await this.ledger.balanceOf(account.id) };
  }

  @Get('transactions')
  @Auth()
  @ApiOperation({ summary: 'My ledger entries, newest first' })
  @ApiOkResponse({ type: LedgerPageDto })
  transactions(
    @CurrentAccount() account: AuthenticatedAccount,
    @Query() q: PageQueryDto,
  ): Promise<Page<LedgerEntryView>> {
    return this.queries.transactions(account.id, q);
  }

  @Get('transactions/:id')
  @Auth()
  @ApiOperation({ summary: 'One of my ledger entries (404 for anyone else’s)' })
  @ApiOkResponse({ type: LedgerEntryDto })
  @ApiNotFoundResponse({ description: 'TRANSACTION_NOT_FOUND' })
  @ApiUuidParam('id', 'A ledger entry id; any other value answers 404')
  async transaction(
    @CurrentAccount() account: AuthenticatedAccount,
    @Param('id') id: string,
  ): Promise<LedgerEntryView> {
    const entry = await this.queries.transaction(account.id, id);
    if (!entry) throw new NotFound('Transaction', 'TRANSACTION_NOT_FOUND');
    return entry;
  }

  @Get('offers')
  @Auth()
  @ApiOperation({ summary: 'Retailer offers running now, optionally only those covering a ZIP' })
  @ApiOkResponse({ type: OfferPageDto })
  offers(@Query() q: ZipListQueryDto): Promise<Page<OfferView>> {
    return this.queries.offers(q);
  }

  @Get('schemes')
  @Auth()
  @ApiOperation({
    summary: 'Municipal schemes (bonus multipliers) current or upcoming, optionally for a ZIP',
  })
  @ApiOkResponse({ type: SchemePageDto })
  schemes(@Query() q: ZipListQueryDto): Promise<Page<SchemeView>> {
    return this.queries.schemes(q);
  }

  @Get('charities')
  @Auth()
  @ApiOperation({ summary: 'Charities officers can donate to' })
  @ApiOkResponse({ type: CharityPageDto })
  charities(@Query() q: PageQueryDto): Promise<Page<CharityView>> {
    return this.queries.charities(q);
  }

  @Get('vouchers')
  @Auth('citizen')
  @ApiOperation({ summary: 'My vouchers, newest first' })
  @ApiOkResponse({ type: MyVoucherPageDto })
  vouchers(
    @CurrentAccount() account: AuthenticatedAccount,
    @Query() q: PageQueryDto,
  ): Promise<Page<MyVoucherView>> {
    return this.queries.vouchers(account.id, q);
  }

  @Post('redemptions')
  @Audited('points_redeemed')
  @HttpCode(201)
  @Auth('citizen')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Redeem an offer for a signed voucher (debit and voucher in one transaction)' })
  @ApiCreatedResponse({ type: RedemptionDto })
  @ApiNotFoundResponse({ description: 'OFFER_NOT_FOUND' })
  @ApiUnprocessableEntityResponse({
    description:
      'INSUFFICIENT_POINTS, OFFER_UNAVAILABLE (retired, not started, ended, sold out), IDEMPOTENCY_KEY_REUSED',
  })
  redeemOffer(
    @CurrentAccount() account: AuthenticatedAccount,
    @Body() body: RedeemOfferDto,
    @Actor() actor: AuditActor,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<RedeemOfferResult> {
    return this.redeem.execute({ accountId: account.id, offerId: body.offerId, idempotencyKey, actor });
  }

  @Post('donations')
  @Audited('points_donated')
  @HttpCode(201)
  @Auth('officer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Donate points to a charity (positive whole number, at most the balance)' })
  @ApiCreatedResponse({ type: DonationDto })
  @ApiNotFoundResponse({ description: 'CHARITY_NOT_FOUND' })
  @ApiUnprocessableEntityResponse({ description: 'INSUFFICIENT_POINTS, IDEMPOTENCY_KEY_REUSED' })
  donatePoints(
    @CurrentAccount() account: AuthenticatedAccount,
    @Body() body: DonatePointsDto,
    @Actor() actor: AuditActor,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<DonationResult> {
    return this.donate.execute({
      accountId: account.id,
      charityId: body.charityId,
      points: body.points,
      idempotencyKey,
      actor,
    });
  }
}
