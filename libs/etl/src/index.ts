/** The etl bounded context's Nest module. */
export { EtlModule } from './etl.module.js';
