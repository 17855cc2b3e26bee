/** The notifications bounded context's Nest module (push devices, pushes). */
export { NotificationsModule } from './notifications.module.js';
/** The one way to notify an account: its sockets now, its phones when the push rules say so. */
export { Notifier } from './application/notify/notifier.js';
/** The socket side a context with a socket.io gateway attaches (`Notifier.attachSocket`). */
export { SocketChannel } from './application/ports.js';
/** Typed names of every notification (socket event names, documented in docs/asyncapi.yaml). */
export { NOTIFICATION_EVENTS, type NotificationEvent } from './notification-events.js';
/** Push providers a device can be registered for. */
export { PUSH_PLATFORMS, type PushPlatform } from './domain/device.js';
/**
 * The outbox event a due push travels in (published and consumed by Notifications only; exported
 * so the AsyncAPI contract test sees it beside every other context's events).
 */
export { PushDue } from './events/push-due.integration-event.js';
