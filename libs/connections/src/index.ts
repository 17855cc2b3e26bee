/** The connections bounded context's Nest module. */
export { ConnectionsModule } from './connections.module.js';
/** Integration event: an officer and a citizen connected (coarse area only, never positions). */
export {
  ConnectionEstablished,
  type ConnectionEstablishedPayload,
} from './events/connection-established.integration-event.js';
/** Facade for other contexts: pushes to an account's sockets (use it instead of a socket.io server of your own). */
export { ConnectionsApi } from './connections.api.js';
/** Where clients connect and the per-account room every socket joins (`a:<accountId>`). */
export { SOCKET_PATH, SOCKET_NAMESPACE, accountRoom } from './connections.constants.js';
