/** The connections bounded context's Nest module. */
export { ConnectionsModule } from './connections.module.js';
/** Integration event: an officer and a citizen connected (coarse area only, never positions). */
export { ConnectionEstablished, type ConnectionEstablishedPayload } from './events/connection-established.integration-event.js';
