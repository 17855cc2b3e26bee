/** The notifications bounded context's Nest module (push devices). */
export { NotificationsModule } from './notifications.module.js';
/** Push providers a device can be registered for. */
export { PUSH_PLATFORMS, type PushPlatform } from './domain/device.js';
