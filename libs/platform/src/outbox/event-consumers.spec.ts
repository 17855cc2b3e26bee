import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { EventConsumers, type EventBatchJob, type EventJob } from './event-consumers.js';
import { IntegrationEvent } from './integration-event.js';

class SomethingHappened extends IntegrationEvent<{ n: number }> {
  static readonly type = 'test.SomethingHappened';
  static readonly version = 1;
}

/**
 * The path the e2e suite cannot reach with a real Redis: a batch fails and Redis then refuses
 * (or is too slow for) the hand-off of its deliveries as single jobs. Nothing may be lost:
 * bull retries the batch, and on its last attempt every delivery is dead-lettered.
 * Ports faked: the database (its transaction fails, dead letters are recorded) and the queues.
 */
describe('EventConsumers: a failed batch whose hand-off fails too', () => {
  const handlerId = 'testa.record';
  const config = new Map<string, unknown>([
    ['EVENT_WORKERS_ENABLED', true],
    ['EVENT_MAX_ATTEMPTS', 3],
    ['EVENT_BACKOFF_MS', 10],
  ]);

  function setUp(addBulk: (jobs: Array<{ data: EventJob; opts: { jobId?: string } }>) => Promise<unknown>) {
    const deadLetters: Array<Record<string, unknown>> = [];
    const prisma = {
      $transaction: () => Promise.reject(new Error('a delivery of the batch failed')),
      deadLetter: {
        create: ({ data }: { data: Record<string, unknown> }) => (
          deadLetters.push(data),
          Promise.resolve(data)
        ),
      },
    };
    let processor: ((job: unknown) => Promise<void>) | undefined;
    const handedOn: Array<Array<{ data: EventJob; opts: { jobId?: string } }>> = [];
    const queue = {
      on: () => queue,
      process: (_concurrency: number, fn: (job: unknown) => Promise<void>) => {
        processor = fn;
        return Promise.resolve();
      },
      addBulk: (jobs: Array<{ data: EventJob; opts: { jobId?: string } }>) => (
        handedOn.push(jobs),
        addBulk(jobs)
      ),
    };
    const queues = { get: (name: string) => (name === 'events.testa' ? queue : undefined) };
    const consumers = new EventConsumers(
      prisma as never,
      queues as never,
      { get: (k: string) => config.get(k) } as never,
      { watch: () => undefined, applied: () => undefined } as never,
    );
    consumers.subscribe(handlerId, SomethingHappened, () => Promise.resolve());
    consumers.onApplicationBootstrap();
    const events = [new SomethingHappened({ n: 1 }), new SomethingHappened({ n: 2 })];
    const batch: EventBatchJob = {
      batch: events.map((e) => ({ handlerId, event: e.toEnvelope() as EventJob['event'] })),
    };
    const run = (attemptsMade: number) =>
      processor!({ data: batch, attemptsMade, opts: { attempts: 3, jobId: `batch:test:${randomUUID()}` } });
    return { run, handedOn, deadLetters, events };
  }

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('hands the deliveries on as single jobs when Redis takes them, and the batch job is done', async () => {
    const { run, handedOn, deadLetters, events } = setUp(() => Promise.resolve([]));
    await expect(run(0)).resolves.toBeUndefined();
    expect(handedOn).toHaveLength(1);
    expect(handedOn[0]!.map((j) => j.opts.jobId)).toEqual(events.map((e) => `${e.id}:${handlerId}`));
    expect(handedOn[0]!.map((j) => j.data.event.id)).toEqual(events.map((e) => e.id));
    expect(deadLetters).toEqual([]);
  });

  it('fails the batch job so bull retries it while attempts remain, dead-lettering nothing yet', async () => {
    const { run, handedOn, deadLetters } = setUp(() => Promise.reject(new Error('Redis refused')));
    await expect(run(0)).rejects.toThrow('Redis refused');
    await expect(run(1)).rejects.toThrow('Redis refused');
    expect(handedOn).toHaveLength(2);
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters every delivery of the batch on its last attempt', async () => {
    const { run, deadLetters, events } = setUp(() => Promise.reject(new Error('Redis refused')));
    await expect(run(2)).rejects.toThrow('Redis refused');
    expect(deadLetters.map((d) => d.eventId)).toEqual(events.map((e) => e.id));
    for (const d of deadLetters) {
      expect(d).toMatchObject({
        source: 'event',
        target: handlerId,
        eventType: 'test.SomethingHappened',
        attempts: 3,
      });
      expect(d.error).toContain('Redis refused');
    }
  });
});
