import { Injectable } from '@nestjs/common';
import { PrismaService } from '@heyblue/platform';
import { municipalityNotFound, retailerNotFound } from '../domain/rewards.errors.js';
import {
  externalIdMustBePresent,
  maxRedemptionsMustCoverRedeemed,
  multiplierMustBeSensible,
  pointsCostMustBePositive,
  textMustBePresent,
  windowMustBeOrdered,
  zipsMustBeFiveDigits,
} from '../domain/rules/catalogue-entry-must-be-valid.rule.js';
import type {
  CharityInput,
  MunicipalityInput,
  OfferInput,
  RetailerInput,
  SchemeInput,
  UpsertResult,
} from '../application/catalogue/catalogue.types.js';

const trimOrNull = (v: string | null | undefined): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : null;

/** Writes the catalogue, idempotent by external id (ETL and the seeder call it). */
@Injectable()
export class PrismaCatalogueRepository {
  constructor(private readonly prisma: PrismaService) {}

  async upsertRetailer(input: RetailerInput): Promise<UpsertResult> {
    externalIdMustBePresent(input.externalId);
    textMustBePresent('name', input.name, 200);
    const zip = trimOrNull(input.zip);
    if (zip) zipsMustBeFiveDigits('zip', [zip]);
    const data = {
      name: input.name.trim(),
      website: trimOrNull(input.website),
      contactEmail: trimOrNull(input.contactEmail),
      zip,
    };
    const existed = await this.prisma.rewardsRetailer.findUnique({
      where: { externalId: input.externalId.trim() },
      select: { id: true },
    });
    const row = await this.prisma.rewardsRetailer.upsert({
      where: { externalId: input.externalId.trim() },
      create: { externalId: input.externalId.trim(), ...data },
      update: data,
      select: { id: true },
    });
    return { id: row.id, created: existed === null };
  }

  async upsertOffer(input: OfferInput): Promise<UpsertResult> {
    externalIdMustBePresent(input.externalId);
    textMustBePresent('title', input.title, 200);
    textMustBePresent('discount', input.discount, 200);
    pointsCostMustBePositive(input.pointsCost);
    const validFrom = new Date(input.validFrom);
    const validUntil = new Date(input.validUntil);
    windowMustBeOrdered(validFrom, validUntil);
    const zips = [...new Set((input.zips ?? []).map((z) => z.trim()).filter(Boolean))];
    zipsMustBeFiveDigits('zips', zips);
    const retailer = await this.prisma.rewardsRetailer.findUnique({
      where: { externalId: input.retailerExternalId?.trim() ?? '' },
      select: { id: true },
    });
    if (!retailer) throw retailerNotFound();
    const existing = await this.prisma.rewardsOffer.findUnique({
      where: { externalId: input.externalId.trim() },
      select: { redeemedCount: true },
    });
    maxRedemptionsMustCoverRedeemed(input.maxRedemptions, existing?.redeemedCount ?? 0);
    const data = {
      retailerId: retailer.id,
      title: input.title.trim(),
      pointsCost: input.pointsCost,
      discount: input.discount.trim(),
      validFrom,
      validUntil,
      maxRedemptions: input.maxRedemptions ?? null,
      zips,
    };
    const existed = await this.prisma.rewardsOffer.findUnique({
      where: { externalId: input.externalId.trim() },
      select: { id: true },
    });
    const row = await this.prisma.rewardsOffer.upsert({
      where: { externalId: input.externalId.trim() },
      create: { externalId: input.externalId.trim(), ...data },
      update: data,
      select: { id: true },
    });
    return { id: row.id, created: existed === null };
  }

  async upsertMunicipality(input: MunicipalityInput): Promise<UpsertResult> {
    externalIdMustBePresent(input.externalId);
    textMustBePresent('name', input.name, 200);
    textMustBePresent('state', input.state, 50);
    const zips = [...new Set(input.zips.map((z) => z.trim()).filter(Boolean))];
    zipsMustBeFiveDigits('zips', zips);
    const data = { name: input.name.trim(), state: input.state.trim(), zips };
    const existed = await this.prisma.rewardsMunicipality.findUnique({
      where: { externalId: input.externalId.trim() },
      select: { id: true },
    });
    const row = await this.prisma.rewardsMunicipality.upsert({
      where: { externalId: input.externalId.trim() },
      create: { externalId: input.externalId.trim(), ...data },
      update: data,
      select: { id: true },
    });
    return { id: row.id, created: existed === null };
  }

  async upsertScheme(input: SchemeInput): Promise<UpsertResult> {
    externalIdMustBePresent(input.externalId);
    textMustBePresent('title', input.title, 200);
    multiplierMustBeSensible(input.multiplier);
    const validFrom = new Date(input.validFrom);
    const validUntil = new Date(input.validUntil);
    windowMustBeOrdered(validFrom, validUntil);
    const municipality = await this.prisma.rewardsMunicipality.findUnique({
      where: { externalId: input.municipalityExternalId?.trim() ?? '' },
      select: { id: true },
    });
    if (!municipality) throw municipalityNotFound();
    const data = {
      municipalityId: municipality.id,
      title: input.title.trim(),
      multiplier: input.multiplier,
      validFrom,
      validUntil,
    };
    const existed = await this.prisma.rewardsScheme.findUnique({
      where: { externalId: input.externalId.trim() },
      select: { id: true },
    });
    const row = await this.prisma.rewardsScheme.upsert({
      where: { externalId: input.externalId.trim() },
      create: { externalId: input.externalId.trim(), ...data },
      update: data,
      select: { id: true },
    });
    return { id: row.id, created: existed === null };
  }

  async upsertCharity(input: CharityInput): Promise<UpsertResult> {
    externalIdMustBePresent(input.externalId);
    textMustBePresent('name', input.name, 200);
    const data = {
      name: input.name.trim(),
      description: input.description?.trim() ?? '',
      website: trimOrNull(input.website),
      ein: trimOrNull(input.ein),
    };
    const existed = await this.prisma.rewardsCharity.findUnique({
      where: { externalId: input.externalId.trim() },
      select: { id: true },
    });
    const row = await this.prisma.rewardsCharity.upsert({
      where: { externalId: input.externalId.trim() },
      create: { externalId: input.externalId.trim(), ...data },
      update: data,
      select: { id: true },
    });
    return { id: row.id, created: existed === null };
  }
}
