/**
 * Polls until `probe` returns a value accepted by `until` (eventual consistency without fixed sleeps).
 * Throws the last failure when the deadline passes.
 */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  until: (value: T) => boolean = (v) => Boolean(v),
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (until(value)) return value;
      last = new Error(`${what} not met; last value: ${JSON.stringify(value)?.slice(0, 500)}`);
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
