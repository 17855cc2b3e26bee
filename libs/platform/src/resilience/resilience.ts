import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  CircuitState,
  BrokenCircuitError,
  TaskCancelledError,
  type IPolicy,
} from 'cockatiel';
import client from 'prom-client';

export interface ResilienceOptions {
  /** Per attempt, in ms. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** Initial backoff in ms (exponential with jitter). */
  backoffMs: number;
  /** Consecutive failures that open the breaker. */
  breakerThreshold: number;
  /** How long the breaker stays open before a trial call, in ms. */
  halfOpenAfterMs: number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  timeoutMs: 5_000,
  retries: 2,
  backoffMs: 200,
  breakerThreshold: 5,
  halfOpenAfterMs: 10_000,
};

const breakerState = new client.Gauge({
  name: 'heyblue_circuit_breaker_state',
  help: 'Circuit breaker state per outbound adapter: 0 closed, 1 open, 2 half-open, 3 isolated',
  labelNames: ['adapter'] as const,
});

const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.Open]: 1,
  [CircuitState.HalfOpen]: 2,
  [CircuitState.Isolated]: 3,
};

export interface ResiliencePolicy {
  execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  readonly state: CircuitState;
}

/**
 * Timeout per attempt, retries with exponential backoff and jitter, and a circuit breaker
 * around them (cockatiel). `isRetryable` lets an adapter refuse to retry client errors.
 */
export function createResiliencePolicy(
  adapter: string,
  options: Partial<ResilienceOptions> = {},
  isFailure: (err: unknown) => boolean = () => true,
): ResiliencePolicy {
  const o = { ...DEFAULT_RESILIENCE, ...options };
  const failures = handleWhen(isFailure);
  const breaker = circuitBreaker(failures, {
    halfOpenAfter: o.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(o.breakerThreshold),
  });
  const retries = retry(failures, {
    maxAttempts: o.retries,
    backoff: new ExponentialBackoff({ initialDelay: o.backoffMs, maxDelay: o.backoffMs * 16 }),
  });
  const perAttempt = timeout(o.timeoutMs, TimeoutStrategy.Aggressive);
  const policy: IPolicy = wrap(breaker, retries, perAttempt);
  breakerState.set({ adapter }, 0);
  breaker.onStateChange((s) => breakerState.set({ adapter }, STATE_VALUE[s]));
  return {
    execute: (fn) => policy.execute(({ signal }) => fn(signal)),
    get state() {
      return breaker.state;
    },
  };
}

/** True when the policy refused or gave up because the breaker is open or the call timed out. */
export function isUnavailableError(err: unknown): boolean {
  return err instanceof BrokenCircuitError || err instanceof TaskCancelledError;
}

export { BrokenCircuitError, TaskCancelledError, CircuitState };
