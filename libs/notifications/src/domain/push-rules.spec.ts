import { NOTIFICATION_EVENTS } from '../notification-events.js';
import { pushMessageFor, pushRuleOf } from './push-rules.js';

const requestId = '5b0f6a58-8f0c-4d5e-9d7c-2f3c8f9b1a11';

describe('push rules', () => {
  it('wakes the officer for a request and the citizen for its answer, throttles nearby, and pushes points only when offline', () => {
    expect(pushRuleOf('connection.requested')).toBe('always');
    expect(pushRuleOf('connection.accepted')).toBe('always');
    expect(pushRuleOf('connection.declined')).toBe('always');
    expect(pushRuleOf('officers.nearby')).toBe('throttled');
    expect(pushRuleOf('points.awarded')).toBe('when-offline');
    expect(pushRuleOf('trophy.awarded')).toBe('when-offline');
    expect(pushRuleOf('availability.expired')).toBe('never');
    expect(pushRuleOf('availability.expiring')).toBe('always');
  });

  it('tells an officer the window is about to end with its id and end time only', () => {
    const windowId = '0b4c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
    const msg = pushMessageFor(NOTIFICATION_EVENTS.availabilityExpiring, {
      windowId,
      expiresAt: '2026-12-08T03:15:00.000Z',
      lat: 40.7128,
      zip: '10007',
    });
    expect(msg).toEqual({
      type: 'availability.expiring',
      title: 'Availability ending',
      body: 'Your availability window is about to end. Open Hey Blue! to extend it.',
      data: { type: 'availability.expiring', windowId, expiresAt: '2026-12-08T03:15:00.000Z' },
    });
    expect(
      pushMessageFor(NOTIFICATION_EVENTS.availabilityExpiring, {
        windowId: 'x',
        expiresAt: 'at 40.71,-74.00',
      })!.data,
    ).toEqual({ type: 'availability.expiring' });
  });

  it('carries the request id of a request, and no name, distance or position', () => {
    const msg = pushMessageFor(NOTIFICATION_EVENTS.connectionRequested, {
      requestId,
      citizen: { id: 'c0ffee00-0000-4000-8000-000000000001', displayName: 'Jane Roe' },
      distanceM: 40,
      lat: 40.7128,
      lng: -74.006,
    });
    expect(msg).toEqual({
      type: 'connection.requested',
      title: 'Connection request',
      body: 'Someone nearby asked to connect with you.',
      data: { type: 'connection.requested', requestId },
    });
  });

  it('never copies coordinates, a phone or an e-mail of a nearby answer, whatever the payload holds', () => {
    const msg = pushMessageFor(NOTIFICATION_EVENTS.officersNearby, {
      nearby: [{ officerId: requestId, displayName: 'Officer Bob', distanceM: 120, lat: 40.71, lng: -74.0 }],
      phone: '+15555550100',
      email: 'jane@example.com',
    });
    const text = JSON.stringify(msg);
    for (const leak of ['40.71', '-74', 'Bob', '5555550100', 'example.com', '120'])
      expect(text).not.toContain(leak);
  });

  it('leaves out an id that is not a UUID (no free text reaches the data)', () => {
    const msg = pushMessageFor(NOTIFICATION_EVENTS.connectionDeclined, { requestId: 'call +1 555 0100' });
    expect(msg!.data).toEqual({ type: 'connection.declined' });
  });

  it('has a generic text for every event it pushes', () => {
    for (const event of Object.values(NOTIFICATION_EVENTS)) {
      const msg = pushMessageFor(event, {});
      if (pushRuleOf(event) === 'never') continue;
      expect(msg).toMatchObject({ type: event, title: expect.any(String), body: expect.any(String) });
    }
  });
});
