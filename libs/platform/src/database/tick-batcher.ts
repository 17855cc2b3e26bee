import DataLoader from 'dataloader';

export interface TickBatcherOptions {
  /** Keys per statement at most (a larger batch is split); default 200. */
  maxBatchSize?: number;
}

/**
 * Collects the lookups that concurrent requests make in one turn of the event loop and
 * answers them with one statement: `lookup(keys)` must return one entry per key, in order
 * (`null` for none). Built on DataLoader, without its cache: every call reads afresh, so an
 * answer is never older than the call that asked for it (a logout or suspension is seen by
 * the next request exactly as with one statement per request).
 *
 * The batch goes out in the event loop's check phase (`setImmediate`), after the poll phase
 * has handed over every request that arrived together; DataLoader's default (end of the
 * current tick) would batch only within one request, since Node drains the tick queue
 * between connections. Under load a round trip to PostgreSQL then serves several requests:
 * on a small machine each round trip costs more CPU (socket writes and wake-ups on both
 * sides) than the statement itself.
 */
export function tickBatcher<K, V>(
  lookup: (keys: readonly K[]) => Promise<ReadonlyArray<V | null>>,
  options: TickBatcherOptions = {},
): (key: K) => Promise<V | null> {
  const loader = new DataLoader<K, V | null>(lookup, {
    cache: false,
    maxBatchSize: options.maxBatchSize ?? 200,
    batchScheduleFn: (dispatch) => setImmediate(dispatch),
  });
  return (key) => loader.load(key);
}

/** Orders `rows` by `keys` (one entry per key, `null` where no row has that key). */
export function alignByKey<K, V>(
  keys: readonly K[],
  rows: readonly V[],
  keyOf: (row: V) => K,
): Array<V | null> {
  const byKey = new Map<K, V>();
  for (const r of rows) byKey.set(keyOf(r), r);
  return keys.map((k) => byKey.get(k) ?? null);
}
