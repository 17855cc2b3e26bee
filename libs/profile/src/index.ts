/** The profile bounded context's Nest module. */
export { ProfileModule } from './profile.module.js';
