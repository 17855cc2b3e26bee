import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class BalanceDto {
  @ApiProperty({ description: 'From the ledger (not the profile projection)', example: 120 })
  balance!: number;
}

export class LedgerEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Positive: earned; negative: redeemed or donated' }) delta!: number;
  @ApiProperty({ description: 'Balance after this entry' }) balance!: number;
  @ApiProperty({ enum: ['connection', 'redemption', 'donation', 'adjustment'] }) reason!: string;
  @ApiProperty({ description: 'Connection, voucher or donation id' }) reference!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class LedgerPageDto {
  @ApiProperty({ type: [LedgerEntryDto] }) items!: LedgerEntryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class RetailerRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) website!: string | null;
}

export class OfferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: RetailerRefDto }) retailer!: RetailerRefDto;
  @ApiProperty() title!: string;
  @ApiProperty() pointsCost!: number;
  @ApiProperty({ example: '20% off one item' }) discount!: string;
  @ApiProperty({ format: 'date-time' }) validFrom!: string;
  @ApiProperty({ format: 'date-time' }) validUntil!: string;
  @ApiProperty({ type: [String], description: 'Empty: everywhere' }) zips!: string[];
  @ApiPropertyOptional({ description: 'Only for offers with limited redemptions' }) remaining?: number;
}

export class OfferPageDto {
  @ApiProperty({ type: [OfferDto] }) items!: OfferDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class MunicipalityRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() state!: string;
}

export class SchemeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({
    example: 2,
    description: 'Points earned in the municipality during the window are multiplied by this',
  })
  multiplier!: number;
  @ApiProperty({ format: 'date-time' }) validFrom!: string;
  @ApiProperty({ format: 'date-time' }) validUntil!: string;
  @ApiProperty({ type: MunicipalityRefDto }) municipality!: MunicipalityRefDto;
}

export class SchemePageDto {
  @ApiProperty({ type: [SchemeDto] }) items!: SchemeDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class CharityDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ nullable: true, type: String }) url!: string | null;
}

export class CharityPageDto {
  @ApiProperty({ type: [CharityDto] }) items!: CharityDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class VoucherDto {
  @ApiProperty({ example: '7K3M9Q2XW4B8N6P1R5T0', description: 'Random, unguessable (100 bits)' })
  code!: string;
  @ApiProperty({ format: 'uuid' }) offerId!: string;
  @ApiProperty() pointsCost!: number;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ description: 'Key id of the signing key (GET /vouchers/public-key)' }) kid!: string;
  @ApiProperty({
    description: 'base64url Ed25519 signature of the UTF-8 string `<code>|<offerId>|<expiresAt>`',
  })
  signature!: string;
}

export class RedemptionDto {
  @ApiProperty({ type: VoucherDto }) voucher!: VoucherDto;
}

export class MyVoucherDto extends VoucherDto {
  @ApiProperty() offerTitle!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) usedAt!: string | null;
}

export class MyVoucherPageDto {
  @ApiProperty({ type: [MyVoucherDto] }) items!: MyVoucherDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class DonationDto {
  @ApiProperty({ format: 'uuid' }) donationId!: string;
  @ApiProperty() points!: number;
  @ApiProperty({ description: 'Ledger balance after the donation' }) balance!: number;
}

export class PublicKeyDto {
  @ApiProperty({ example: 'vk-20261207-3fa9c1d2' }) kid!: string;
  @ApiProperty({ enum: ['EdDSA'] }) alg!: string;
  @ApiProperty({
    description: 'Ed25519 public JWK (kty OKP, crv Ed25519, x)',
    type: 'object',
    additionalProperties: true,
  })
  jwk!: Record<string, unknown>;
}

export class PublicKeysDto {
  @ApiProperty({
    type: [PublicKeyDto],
    description:
      'The signing key first, then a key about to sign (keys rotate by themselves), then retired keys until the last voucher they signed has expired. Match a voucher by its `kid`.',
  })
  keys!: PublicKeyDto[];
}

export class VoucherOfferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() discount!: string;
  @ApiProperty() pointsCost!: number;
}

export class VoucherCheckDto {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ enum: ['issued', 'used', 'expired'] }) status!: string;
  @ApiProperty() code!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) usedAt!: string | null;
  @ApiProperty({ type: VoucherOfferDto }) offer!: VoucherOfferDto;
}

export class DonationReportRowDto {
  @ApiProperty({
    example: '2026-11',
    description: 'YYYY-MM (month), IYYY-"W"IW (week) or YYYY-MM-DD (day), UTC',
  })
  period!: string;
  @ApiProperty({ format: 'uuid', description: 'Charity id' }) key!: string;
  @ApiProperty() charity!: string;
  @ApiProperty({ description: 'Points donated' }) value!: number;
  @ApiProperty({ description: 'Money value in USD (REWARDS_USD_PER_POINT)' }) amountUsd!: number;
}

export class DonationReportDto {
  @ApiProperty({ type: [DonationReportRowDto] }) rows!: DonationReportRowDto[];
}

export class AdjustmentDto {
  @ApiProperty({ format: 'uuid', description: 'The ledger entry (kind adjustment)' }) entryId!: string;
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'The balance after the adjustment (never below zero)',
  })
  balance!: number;
}

export class RetailerListItemDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    description: 'false once an ETL row retired it (its offers leave the app; its keys still work)',
  })
  active!: boolean;
}

export class RetailerPageDto {
  @ApiProperty({ type: [RetailerListItemDto] }) items!: RetailerListItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RetailerKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'hbr_Q3v9xYz1', description: 'The first 12 characters of the key (never the key)' })
  prefix!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
}

export class RetailerKeyListDto {
  @ApiProperty({ type: [RetailerKeyDto], description: 'Newest first' }) items!: RetailerKeyDto[];
}

export class IssuedRetailerKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The X-Retailer-Key, shown this once (only its SHA-256 is stored)' })
  key!: string;
}

export class RetailerStatementRowDto {
  @ApiProperty({ format: 'uuid' }) retailerId!: string;
  @ApiProperty() externalId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Vouchers issued in the period',
  })
  issued!: number;
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Vouchers used in the period',
  })
  used!: number;
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Vouchers that expired unused in the period (up to now)',
  })
  expired!: number;
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Points spent on the vouchers issued in the period',
  })
  pointsSpent!: number;
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Points of the vouchers used in the period',
  })
  pointsUsed!: number;
}

export class RetailerStatementDto {
  @ApiProperty({ type: [RetailerStatementRowDto] }) rows!: RetailerStatementRowDto[];
}
