/** The rewards bounded context's Nest module. */
export { RewardsModule } from './rewards.module.js';
/** Facade for other contexts: catalogue upserts (ETL), balances, retailer keys. */
export { RewardsApi } from './rewards.api.js';
/** Catalogue row shapes accepted by RewardsApi. */
export type {
  RetailerInput,
  OfferInput,
  MunicipalityInput,
  SchemeInput,
  CharityInput,
  UpsertResult,
} from './application/catalogue/catalogue.types.js';
/** Integration events published by Rewards. */
export { PointsEarned, type PointsEarnedPayload } from './events/points-earned.integration-event.js';
export { PointsRedeemed, type PointsRedeemedPayload } from './events/points-redeemed.integration-event.js';
export { PointsDonated, type PointsDonatedPayload } from './events/points-donated.integration-event.js';
export { PointsAdjusted, type PointsAdjustedPayload } from './events/points-adjusted.integration-event.js';
/** Demo catalogue for `db:seed`. */
export { seedRewards } from './rewards.seed.js';
