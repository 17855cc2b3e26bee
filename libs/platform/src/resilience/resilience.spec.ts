import {
  BrokenCircuitError,
  CircuitState,
  createResiliencePolicy,
  isUnavailableError,
} from './resilience.js';

const fast = { timeoutMs: 50, retries: 2, backoffMs: 1, breakerThreshold: 2, halfOpenAfterMs: 100 };

describe('resilience policy', () => {
  it('retries a failing call and returns the first success', async () => {
    const policy = createResiliencePolicy('spec-retry', { ...fast, breakerThreshold: 10 });
    let calls = 0;
    const result = await policy.execute(async () => {
      calls += 1;
      if (calls < 3) throw new Error('flaky');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('times out a hanging attempt and aborts its signal', async () => {
    const policy = createResiliencePolicy('spec-timeout', { ...fast, retries: 0, breakerThreshold: 10 });
    let aborted = false;
    const err = await policy
      .execute(
        (signal) =>
          new Promise(() => {
            signal.addEventListener('abort', () => {
              aborted = true;
            });
          }),
      )
      .catch((e: unknown) => e);
    expect(isUnavailableError(err)).toBe(true);
    expect(aborted).toBe(true);
  });

  it('opens the breaker after consecutive failures, fails fast, then recovers half-open', async () => {
    const policy = createResiliencePolicy('spec-breaker', { ...fast, retries: 0 });
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new Error('down');
    };
    await expect(policy.execute(failing)).rejects.toThrow('down');
    await expect(policy.execute(failing)).rejects.toThrow('down');
    expect(policy.state).toBe(CircuitState.Open);
    await expect(policy.execute(failing)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(calls).toBe(2);
    await new Promise((r) => setTimeout(r, fast.halfOpenAfterMs + 20));
    await expect(policy.execute(async () => 'back')).resolves.toBe('back');
    expect(policy.state).toBe(CircuitState.Closed);
  });

  it('does not count errors the adapter marks as non-failures (e.g. 4xx)', async () => {
    const policy = createResiliencePolicy(
      'spec-client-errors',
      { ...fast, retries: 2 },
      (e) => !(e as Error).message.startsWith('400'),
    );
    let calls = 0;
    const badRequest = async () => {
      calls += 1;
      throw new Error('400 bad number');
    };
    for (let i = 0; i < 4; i++) await expect(policy.execute(badRequest)).rejects.toThrow('400');
    expect(calls).toBe(4); // no retries, breaker never opened
    expect(policy.state).toBe(CircuitState.Closed);
  });
});
