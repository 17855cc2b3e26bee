import type { Tx } from '@heyblue/platform';
import {
  CommitHooks,
  DeviceDirectory,
  PushOutbox,
  PushThrottle,
  SocketChannel,
  type PushDueInput,
} from '../ports.js';
import { FixedNotificationsSettings, ImmediateUnitOfWork } from '../testing/in-memory-notifications.fakes.js';
import { Notifier } from './notifier.js';

const requestId = '0b5d8c1e-3f0a-4a57-9a0e-52f1c3b7d001';

class RecordingSocket extends SocketChannel {
  readonly emitted: Array<[string, string, unknown]> = [];
  readonly live = new Set<string>();
  emit(accountId: string, event: string, payload: unknown) {
    this.emitted.push([accountId, event, payload]);
  }
  isLive(accountId: string) {
    return Promise.resolve(this.live.has(accountId));
  }
}

class RecordingOutbox extends PushOutbox {
  readonly published: PushDueInput[] = [];
  kicks = 0;
  publish(_tx: Tx, due: PushDueInput) {
    this.published.push(due);
    return Promise.resolve();
  }
  kick() {
    this.kicks += 1;
  }
}

class HeldHooks extends CommitHooks {
  readonly held: Array<() => void> = [];
  after(_tx: Tx, fn: () => void) {
    this.held.push(fn);
  }
  commit() {
    this.held.splice(0).forEach((fn) => fn());
  }
}

/** A gate that remembers which (account, key) pairs it let through; time does not pass in these tests. */
class MemoryThrottle extends PushThrottle {
  private readonly seen = new Set<string>();
  firstIn(accountId: string, key: string) {
    const k = `${key}:${accountId}`;
    const first = !this.seen.has(k);
    this.seen.add(k);
    return Promise.resolve(first);
  }
}

class Devices extends DeviceDirectory {
  constructor(readonly owners: Set<string>) {
    super();
  }
  hasAny(accountId: string) {
    return Promise.resolve(this.owners.has(accountId));
  }
}

function setUp(withDevices = ['officer', 'citizen']) {
  const socket = new RecordingSocket();
  const outbox = new RecordingOutbox();
  const hooks = new HeldHooks();
  const notifier = new Notifier(
    new ImmediateUnitOfWork(),
    outbox,
    hooks,
    new MemoryThrottle(),
    new Devices(new Set(withDevices)),
    new FixedNotificationsSettings(),
  );
  notifier.attachSocket(socket);
  return { notifier, socket, outbox, hooks };
}

describe('notifying an account through the one port', () => {
  it('emits on the socket and queues a push for a connection request, with generic text and the request id', async () => {
    const { notifier, socket, outbox } = setUp();
    const payload = { requestId, citizen: { id: 'c', displayName: 'Jane' }, distanceM: 40 };
    await notifier.notify('officer', 'connection.requested', payload);
    expect(socket.emitted).toEqual([['officer', 'connection.requested', payload]]);
    expect(outbox.published).toEqual([
      {
        accountId: 'officer',
        message: {
          type: 'connection.requested',
          title: 'Connection request',
          body: 'Someone nearby asked to connect with you.',
          data: { type: 'connection.requested', requestId },
        },
      },
    ]);
    expect(outbox.kicks).toBe(1);
  });

  it('queues no push for an account without devices, and none for availability.expired', async () => {
    const { notifier, socket, outbox } = setUp(['officer']);
    await notifier.notify('citizen', 'connection.accepted', { requestId });
    await notifier.notify('officer', 'availability.expired', { windowId: 'w' });
    expect(socket.emitted).toHaveLength(2);
    expect(outbox.published).toEqual([]);
  });

  it('pushes officers.nearby once per period per citizen, and emits every one', async () => {
    const { notifier, socket, outbox } = setUp();
    await notifier.notify('citizen', 'officers.nearby', { nearby: [] });
    await notifier.notify('citizen', 'officers.nearby', { nearby: [] });
    expect(socket.emitted).toHaveLength(2);
    expect(outbox.published.map((p) => p.message.type)).toEqual(['officers.nearby']);
  });

  it('pushes points only to an account with no live socket', async () => {
    const { notifier, socket, outbox } = setUp();
    socket.live.add('officer');
    await notifier.notify('officer', 'points.awarded', { points: 10, reason: 'connection', balance: 10 });
    await notifier.notify('citizen', 'points.awarded', { points: 5, reason: 'connection', balance: 5 });
    expect(outbox.published).toEqual([
      expect.objectContaining({
        accountId: 'citizen',
        message: expect.objectContaining({ data: { type: 'points.awarded', points: '5' } }),
      }),
    ]);
  });

  it('from an event handler: queues the push in its transaction and emits only once it commits', async () => {
    const { notifier, socket, outbox, hooks } = setUp();
    await notifier.notifyAfterCommit({} as Tx, 'citizen', 'trophy.awarded', {
      code: 'first_connection',
      name: 'First',
    });
    expect(outbox.published.map((p) => p.message.data)).toEqual([
      { type: 'trophy.awarded', code: 'first_connection' },
    ]);
    expect(socket.emitted).toEqual([]);
    hooks.commit();
    expect(socket.emitted).toEqual([
      ['citizen', 'trophy.awarded', { code: 'first_connection', name: 'First' }],
    ]);
  });

  it('never fails the caller when queueing the push fails', async () => {
    const { notifier, socket, outbox } = setUp();
    outbox.publish = () => Promise.reject(new Error('database down'));
    await expect(notifier.notify('officer', 'connection.requested', { requestId })).resolves.toBeUndefined();
    expect(socket.emitted).toHaveLength(1);
  });
});
