import { NOTIFICATION_EVENTS, type NotificationEvent } from '../notification-events.js';

/**
 * When a notification also goes to the account's phones:
 * - always: it must wake the phone (a request expires in two minutes);
 * - throttled: at most once per period per account (the socket still gets every one);
 * - when-offline: only to an account with no live socket;
 * - never: socket only.
 */
export type PushRule = 'always' | 'throttled' | 'when-offline' | 'never';

const RULES: Record<NotificationEvent, PushRule> = {
  [NOTIFICATION_EVENTS.connectionRequested]: 'always',
  [NOTIFICATION_EVENTS.connectionAccepted]: 'always',
  [NOTIFICATION_EVENTS.connectionDeclined]: 'always',
  [NOTIFICATION_EVENTS.officersNearby]: 'throttled',
  [NOTIFICATION_EVENTS.pointsAwarded]: 'when-offline',
  [NOTIFICATION_EVENTS.trophyAwarded]: 'when-offline',
  [NOTIFICATION_EVENTS.availabilityExpiring]: 'always',
  [NOTIFICATION_EVENTS.availabilityExpired]: 'never',
};

export const pushRuleOf = (event: NotificationEvent): PushRule => RULES[event] ?? 'never';

/** What a phone shows and carries: generic text, and only the ids the app needs. */
export interface PushMessage {
  type: NotificationEvent;
  title: string;
  body: string;
  /** String values only (FCM data); ids, a points count, a trophy code: never a position, phone or e-mail. */
  data: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CODE = /^[a-z0-9_-]{1,64}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/** Copies one field when it has the expected shape; anything else is left out (never the raw payload). */
function pick(out: Record<string, string>, key: string, value: unknown, shape: RegExp): void {
  if (typeof value === 'string' && shape.test(value)) out[key] = value;
}

/**
 * The lock screen shows this text to whoever holds the phone: it names no person, place, phone
 * or e-mail. The payload is read field by field, so nothing the socket event carries (distances,
 * display names, coordinates) can leak into a push by accident.
 */
export function pushMessageFor(event: NotificationEvent, payload: unknown): PushMessage | null {
  const p = (payload ?? {}) as Record<string, unknown>;
  const data: Record<string, string> = { type: event };
  switch (event) {
    case NOTIFICATION_EVENTS.connectionRequested:
      pick(data, 'requestId', p.requestId, UUID);
      return {
        type: event,
        title: 'Connection request',
        body: 'Someone nearby asked to connect with you.',
        data,
      };
    case NOTIFICATION_EVENTS.connectionAccepted:
      pick(data, 'requestId', p.requestId, UUID);
      pick(data, 'connectionId', (p.connection as Record<string, unknown> | undefined)?.id, UUID);
      return { type: event, title: 'Request accepted', body: 'Your connection request was accepted.', data };
    case NOTIFICATION_EVENTS.connectionDeclined:
      pick(data, 'requestId', p.requestId, UUID);
      return { type: event, title: 'Request declined', body: 'Your connection request was declined.', data };
    case NOTIFICATION_EVENTS.officersNearby:
      return {
        type: event,
        title: 'Officer nearby',
        body: 'An officer is nearby. Open Hey Blue! to connect.',
        data,
      };
    case NOTIFICATION_EVENTS.availabilityExpiring:
      pick(data, 'windowId', p.windowId, UUID);
      pick(data, 'expiresAt', p.expiresAt, TIMESTAMP);
      return {
        type: event,
        title: 'Availability ending',
        body: 'Your availability window is about to end. Open Hey Blue! to extend it.',
        data,
      };
    case NOTIFICATION_EVENTS.pointsAwarded:
      if (Number.isSafeInteger(p.points)) data.points = String(p.points);
      return { type: event, title: 'Points', body: 'Your Hey Blue! points changed.', data };
    case NOTIFICATION_EVENTS.trophyAwarded:
      pick(data, 'code', p.code, CODE);
      return { type: event, title: 'New trophy', body: 'You earned a Hey Blue! trophy.', data };
    default:
      return null;
  }
}
