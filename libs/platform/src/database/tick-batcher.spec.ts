import { alignByKey, tickBatcher } from './tick-batcher.js';

/** A lookup that records every batch it is asked for and answers from `table`. */
function recordingLookup(table: Record<string, number>) {
  const batches: string[][] = [];
  const lookup = async (keys: readonly string[]) => {
    batches.push([...keys]);
    return keys.map((k) => table[k] ?? null);
  };
  return { batches, lookup };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('tickBatcher', () => {
  it('answers the calls made in one turn of the event loop with one lookup, each with its own entry', async () => {
    const { batches, lookup } = recordingLookup({ a: 1, b: 2, c: 3 });
    const load = tickBatcher(lookup);
    const answers = await Promise.all(['c', 'a', 'x', 'b'].map(load));
    expect(answers).toEqual([3, 1, null, 2]);
    expect(batches).toEqual([['c', 'a', 'x', 'b']]);
  });

  it('gathers calls made from separate callbacks of one event-loop phase (not only one tick)', async () => {
    const { batches, lookup } = recordingLookup({ a: 1, b: 2 });
    const load = tickBatcher(lookup);
    // Two callbacks of one phase, with the tick queue drained between them, as two requests
    // arriving together are. Immediates queued together always run in the same check phase;
    // two 0 ms timers did not when a millisecond passed between scheduling them (a loaded CI).
    const answers = await new Promise<Array<number | null>>((resolve) => {
      const pending: Array<Promise<number | null>> = [];
      setImmediate(() => pending.push(load('a')));
      setImmediate(() => {
        pending.push(load('b'));
        void Promise.all(pending).then(resolve);
      });
    });
    expect(answers).toEqual([1, 2]);
    expect(batches).toEqual([['a', 'b']]);
  });

  it('never caches: a later call reads again and sees a changed answer', async () => {
    const table: Record<string, number> = { a: 1 };
    const { batches, lookup } = recordingLookup(table);
    const load = tickBatcher(lookup);
    expect(await load('a')).toBe(1);
    table.a = 5;
    await nextTurn();
    expect(await load('a')).toBe(5);
    expect(batches).toEqual([['a'], ['a']]);
  });

  it('passes repeated keys of one batch through (the lookup sees every call)', async () => {
    const { batches, lookup } = recordingLookup({ a: 1 });
    const load = tickBatcher(lookup);
    expect(await Promise.all([load('a'), load('a')])).toEqual([1, 1]);
    expect(batches).toEqual([['a', 'a']]);
  });

  it('splits a batch larger than maxBatchSize', async () => {
    const { batches, lookup } = recordingLookup({ a: 1, b: 2, c: 3 });
    const load = tickBatcher(lookup, { maxBatchSize: 2 });
    expect(await Promise.all(['a', 'b', 'c'].map(load))).toEqual([1, 2, 3]);
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  it('fails every call of a batch whose lookup fails, and the next batch is unaffected', async () => {
    let fail = true;
    const load = tickBatcher(async (keys: readonly string[]) => {
      if (fail) throw new Error('database unreachable');
      return keys.map(() => 7);
    });
    const results = await Promise.allSettled([load('a'), load('b')]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value))).toEqual([
      'database unreachable',
      'database unreachable',
    ]);
    fail = false;
    expect(await load('a')).toBe(7);
  });
});

describe('alignByKey', () => {
  it('orders rows by the keys asked for, with null where no row has the key', () => {
    const rows = [
      { id: 'b', v: 2 },
      { id: 'a', v: 1 },
    ];
    expect(alignByKey(['a', 'z', 'b', 'a'], rows, (r) => r.id)).toEqual([
      { id: 'a', v: 1 },
      null,
      { id: 'b', v: 2 },
      { id: 'a', v: 1 },
    ]);
  });
});
