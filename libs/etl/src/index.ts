/** The etl bounded context's Nest module. */
export { EtlModule } from './etl.module.js';
/** Integration event: an upload job finished. */
export {
  EtlJobCompleted,
  type EtlJobCompletedPayload,
} from './events/etl-job-completed.integration-event.js';
/** Upload kinds and their columns. */
export { ETL_KINDS, ETL_COLUMNS, type EtlKind } from './domain/etl-kinds.js';
