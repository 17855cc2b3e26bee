import {
  FixedNotificationsSettings,
  ImmediateUnitOfWork,
  InMemoryDeviceStore,
  RecordingAuditLog,
} from '../testing/in-memory-notifications.fakes.js';
import { RemoveDeviceHandler } from '../remove-device/remove-device.handler.js';
import { RegisterDeviceHandler } from './register-device.handler.js';

const token = (n: number) => n.toString(16).padStart(64, '0');
const alice = { id: 'a1', sessionId: 's-a1' };
const bob = { id: 'b1', sessionId: 's-b1' };

function setUp(max = 3) {
  const store = new InMemoryDeviceStore();
  const audit = new RecordingAuditLog();
  const uow = new ImmediateUnitOfWork();
  const register = new RegisterDeviceHandler(uow, store, audit, new FixedNotificationsSettings(max));
  const remove = new RemoveDeviceHandler(uow, store, audit);
  return { store, audit, register, remove };
}

describe('registering a push device', () => {
  it('keeps the token for my session and audits it without the token', async () => {
    const { store, audit, register } = setUp();
    const { id } = await register.execute(alice, { platform: 'apns', token: token(1) }, null);
    expect(store.rows).toEqual([
      expect.objectContaining({ id, accountId: 'a1', sessionId: 's-a1', platform: 'apns' }),
    ]);
    expect(audit.entries).toEqual([
      { actor: null, action: 'device_registered', targetId: id, detail: { platform: 'apns' } },
    ]);
    expect(JSON.stringify(audit.entries)).not.toContain(token(1));
  });

  it('answers the same id when the same session registers the same token again, and writes nothing new', async () => {
    const { store, audit, register } = setUp();
    const first = await register.execute(alice, { platform: 'apns', token: token(1) }, null);
    const again = await register.execute(alice, { platform: 'apns', token: token(1) }, null);
    expect(again.id).toBe(first.id);
    expect(store.rows).toHaveLength(1);
    expect(audit.entries).toHaveLength(1);
    expect(audit.unchangedCalls).toBe(1);
  });

  it('moves a token another account registered to me, under a new id', async () => {
    const { store, audit, register } = setUp();
    const bobs = await register.execute(bob, { platform: 'fcm', token: `fcm-${'x'.repeat(40)}` }, null);
    const mine = await register.execute(alice, { platform: 'fcm', token: `fcm-${'x'.repeat(40)}` }, null);
    expect(mine.id).not.toBe(bobs.id);
    expect(store.rows).toEqual([expect.objectContaining({ id: mine.id, accountId: 'a1' })]);
    expect(audit.entries[1]).toMatchObject({ detail: { movedFromAccount: 'b1' } });
  });

  it('drops my least recently registered device past the bound', async () => {
    const { store, audit, register } = setUp(2);
    const first = await register.execute(alice, { platform: 'apns', token: token(1) }, null);
    await register.execute(alice, { platform: 'apns', token: token(2) }, null);
    const third = await register.execute(alice, { platform: 'apns', token: token(3) }, null);
    expect(store.rows.map((d) => d.token)).toEqual([token(2), token(3)]);
    expect(audit.entries.at(-1)).toMatchObject({ targetId: third.id, detail: { evicted: [first.id] } });
  });

  it('refuses a token that does not suit the platform and stores nothing', async () => {
    const { store, audit, register } = setUp();
    await expect(register.execute(alice, { platform: 'apns', token: 'not-hex' }, null)).rejects.toMatchObject(
      {
        code: 'INVALID_DEVICE_TOKEN',
      },
    );
    expect(store.rows).toEqual([]);
    expect(audit.entries).toEqual([]);
  });
});

describe('removing a push device', () => {
  it('removes mine and answers DEVICE_NOT_FOUND for another account’s, which stays', async () => {
    const { store, audit, register, remove } = setUp();
    const mine = await register.execute(alice, { platform: 'apns', token: token(1) }, null);
    const bobs = await register.execute(bob, { platform: 'apns', token: token(2) }, null);
    await expect(remove.execute('a1', bobs.id, null)).rejects.toMatchObject({
      code: 'DEVICE_NOT_FOUND',
      status: 404,
    });
    await remove.execute('a1', mine.id, null);
    expect(store.rows.map((d) => d.id)).toEqual([bobs.id]);
    expect(audit.entries.at(-1)).toEqual({ actor: null, action: 'device_removed', targetId: mine.id });
  });
});
