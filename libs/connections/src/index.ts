/** The connections bounded context's Nest module. */
export { ConnectionsModule } from './connections.module.js';
