/** The social bounded context's Nest module. */
export { SocialModule } from './social.module.js';
