import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { connectListening, Inbox, offset, sendLocation, settle } from '../connections/socket-client.js';
import { load } from '../etl/etl-support.js';
import { givenOffer } from '../rewards/rewards-fixtures.js';
import type { TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';

/**
 * The app settings the scenario needs: a window's end is told 57 s ahead, so the one-minute window
 * the officer renews to is told within seconds (`availability.expiring`).
 */
export const SCENARIO_ENV: Record<string, string> = { CONNECTIONS_EXPIRING_NOTICE_S: '57' };

export interface Scenario {
  admin: SignedIn;
  officer: SignedIn;
  citizen: SignedIn;
  /** Asked the officer too (declined), then promoted and suspended by the admin. */
  other: SignedIn;
  connectionId: string;
  /** Everything the officer's and the citizens' sockets received. */
  inboxes: Inbox[];
  /** Every `location` acknowledgement, good and bad. */
  acks: unknown[];
}

/**
 * One day of the product, driven through the app's public surface only (HTTP, socket.io,
 * the dev IdP): sign-ins, a profile edit, a connection (and a declined request), a
 * redemption, a donation, a points adjustment, an ETL upload, an admin role change and suspension, with the
 * officer's phone registered for pushes (PushDue). Start the app with SCENARIO_ENV. It makes every
 * integration event type and every socket push at least once; returns when the outbox is
 * relayed and every consumer is idle.
 */
export async function runScenario(t: TestApp): Promise<Scenario> {
  const [admin, officer, citizen, other] = await Promise.all([
    given.admin(t),
    given.officer(t),
    given.citizen(t),
    given.citizen(t),
  ]);
  const sockets: Socket[] = [];
  const acks: unknown[] = [];
  const locate = async (s: Socket, payload: unknown) => {
    const ack = await sendLocation(s, payload);
    acks.push(ack);
    return ack;
  };
  try {
    expect(
      (
        await api(t, 'PATCH', '/me/profile', {
          token: officer.accessToken,
          body: { displayName: 'Officer Contract' },
        })
      ).status,
    ).toBe(200);

    // The ETL upload brings the charity the officer donates to.
    const charityId = `charity-${officer.accountId.slice(0, 8)}`;
    const etl = await load(t, admin.accessToken, {
      kind: 'charities',
      contentType: 'application/json',
      filename: 'charities.json',
      content: JSON.stringify([
        {
          external_id: charityId,
          name: 'Night Shelter',
          description: 'Beds',
          website: 'https://beds.example.org',
          ein: '123456789',
        },
      ]),
    });
    expect(etl.job).toMatchObject({ status: 'done', rowsOk: 1 });

    const spot = { lat: 40.7128, lng: -74.006 };
    expect(
      (
        await api(t, 'POST', '/connections/availability', {
          token: officer.accessToken,
          body: { ...spot, zip: '10007' },
        })
      ).status,
    ).toBe(201);
    const listening = await Promise.all(
      [officer, citizen, other].map((who) => connectListening(t, who.accessToken)),
    );
    const [officerSocket, citizenSocket, otherSocket] = listening.map((l) => l.socket) as [
      Socket,
      Socket,
      Socket,
    ];
    sockets.push(officerSocket, citizenSocket, otherSocket);
    const inboxes = listening.map((l) => l.inbox);
    const [officerInbox, citizenInbox, otherInbox] = inboxes as [Inbox, Inbox, Inbox];
    // Every socket's first packet (it goes through the adapter, so it may trail `connect`).
    for (const inbox of inboxes)
      await eventually(
        () => inbox.of('socket.ready'),
        (l) => l.length === 1,
        { what: 'socket.ready' },
      );
    // The officer's phone: pushes are due to it from here on (kept, not sent, in development mode).
    expect(
      (
        await api(t, 'POST', '/me/devices', {
          token: officer.accessToken,
          body: { platform: 'apns', token: randomBytes(32).toString('hex') },
        })
      ).status,
    ).toBe(201);

    expect(await locate(citizenSocket, { lat: 'north' })).toEqual({ ok: false, code: 'INVALID_LOCATION' });
    expect(await locate(citizenSocket, offset(spot, 60, 0))).toMatchObject({ ok: true });
    expect(
      await locate(otherSocket, { ...offset(spot, 0, 60), accuracyM: 15, at: Date.now() }),
    ).toMatchObject({ ok: true });
    expect(await locate(officerSocket, { ...spot, at: new Date().toISOString() })).toEqual({ ok: true });
    await eventually(
      () => citizenInbox.of('officers.nearby'),
      (l) => l.length > 0,
      { what: 'officers.nearby push' },
    );

    const asked = await api(t, 'POST', '/connections/requests', {
      token: citizen.accessToken,
      body: { officerId: officer.accountId },
    });
    const declinedAsk = await api(t, 'POST', '/connections/requests', {
      token: other.accessToken,
      body: { officerId: officer.accountId },
    });
    expect([asked.status, declinedAsk.status]).toEqual([201, 201]);
    await eventually(
      () => officerInbox.of('connection.requested'),
      (l) => l.length === 2,
      { what: 'connection.requested pushes' },
    );
    const accepted = await api(t, 'POST', `/connections/requests/${asked.body.requestId}/accept`, {
      token: officer.accessToken,
    });
    expect(accepted.status).toBe(200);
    expect(
      (
        await api(t, 'POST', `/connections/requests/${declinedAsk.body.requestId}/decline`, {
          token: officer.accessToken,
        })
      ).status,
    ).toBe(204);
    await eventually(
      () => otherInbox.of('connection.declined'),
      (l) => l.length > 0,
      { what: 'connection.declined push' },
    );
    for (const inbox of [officerInbox, citizenInbox]) {
      await eventually(
        () => [inbox.of('points.awarded').length, inbox.of('trophy.awarded').length],
        ([points, trophies]) => points! > 0 && trophies! > 0,
        { what: 'points.awarded and trophy.awarded pushes' },
      );
    }
    expect(citizenInbox.of('connection.accepted')).toHaveLength(1);
    // Renewed to one minute: its end is told ahead (SCENARIO_ENV), then the officer closes it.
    const renewed = await api(t, 'POST', '/connections/availability', {
      token: officer.accessToken,
      body: { ...spot, zip: '10007', minutes: 1 },
    });
    expect(renewed.status).toBe(201);
    await eventually(
      () => officerInbox.of('availability.expiring'),
      (l) => l.length > 0,
      { what: 'availability.expiring push' },
    );
    expect((await api(t, 'DELETE', '/connections/availability', { token: officer.accessToken })).status).toBe(
      204,
    );
    await eventually(
      () => officerInbox.of('availability.expired'),
      (l) => l.length > 0,
      { what: 'availability.expired push' },
    );

    // Points from the connection pay for an offer and a donation.
    const { offerId } = await givenOffer(t, { pointsCost: 5 });
    const redeemed = await api(t, 'POST', '/rewards/redemptions', {
      token: citizen.accessToken,
      body: { offerId },
    });
    expect(redeemed.status).toBe(201);
    const charities = await api(t, 'GET', '/rewards/charities', { token: officer.accessToken });
    const charity = (charities.body.items ?? charities.body).find(
      (c: { name: string }) => c.name === 'Night Shelter',
    );
    const donated = await api(t, 'POST', '/rewards/donations', {
      token: officer.accessToken,
      body: { charityId: charity.id, points: 3 },
    });
    expect(donated.status).toBe(201);
    // An admin's correction, with its reason (PointsAdjusted).
    const adjusted = await api(t, 'POST', `/admin/accounts/${citizen.accountId}/points-adjustments`, {
      token: admin.accessToken,
      body: { points: 2, reason: 'Goodwill for a voucher the shop refused' },
      headers: { 'idempotency-key': `scenario-${citizen.accountId}` },
    });
    expect(adjusted.status).toBe(201);

    expect(
      (
        await api(t, 'POST', `/admin/accounts/${other.accountId}/role`, {
          token: admin.accessToken,
          body: { role: 'officer' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await api(t, 'POST', `/admin/accounts/${other.accountId}/suspend`, { token: admin.accessToken }))
        .status,
    ).toBe(200);

    await settle(t);
    return { admin, officer, citizen, other, connectionId: accepted.body.connection.id, inboxes, acks };
  } finally {
    sockets.forEach((s) => s.close());
  }
}
