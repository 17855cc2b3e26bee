/** The iam bounded context's Nest module. */
export { IamModule } from './iam.module.js';
