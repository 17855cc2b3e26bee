/** The social bounded context's Nest module. */
export { SocialModule } from './social.module.js';
/** Supported platforms and their text limits. */
export { SOCIAL_PLATFORMS, TEXT_LIMITS, type SocialPlatform } from './domain/platforms.js';
/** The port a new platform adapter implements. */
export type { SocialPublisher, OutgoingPost } from './application/social-publisher.port.js';
