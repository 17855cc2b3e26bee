/** The reporting bounded context's Nest module. */
export { ReportingModule } from './reporting.module.js';
