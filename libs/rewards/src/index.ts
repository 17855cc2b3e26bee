/** The rewards bounded context's Nest module. */
export { RewardsModule } from './rewards.module.js';
