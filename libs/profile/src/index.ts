/** The profile bounded context's Nest module. */
export { ProfileModule } from './profile.module.js';
/** Integration events published by Profile. */
export { TrophyAwarded, type TrophyAwardedPayload } from './events/trophy-awarded.integration-event.js';
export { ProfileUpdated, type ProfileUpdatedPayload } from './events/profile-updated.integration-event.js';
/** The trophy catalogue (codes and names). */
export { TROPHY_RULES } from './domain/trophies.js';
