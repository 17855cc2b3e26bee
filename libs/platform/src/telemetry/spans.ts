import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

const tracer = trace.getTracer('heyblue');
/** Set by startTelemetry: until then every helper returns at once (tracing off costs a branch). */
let active = false;

export function markTracingActive(): void {
  active = true;
}

export function tracingActive(): boolean {
  return active;
}

/** Log fields tying a line to its trace (pino mixin); empty outside a sampled span. */
export function traceLogFields(): Record<string, string> {
  if (!active) return {};
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && ctx.traceFlags & 1 ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/** Names the HTTP server span after the matched route (`GET /api/v1/me`), as OpenTelemetry's semantic conventions ask. */
export function nameServerSpan(method: string, route: string | undefined): void {
  if (!active || !route) return;
  trace.getActiveSpan()?.setAttribute('http.route', route).updateName(`${method} ${route}`);
}

/** Runs `fn` in a span (a queue job, an outbox dispatch): boundaries no auto-instrumentation sees. */
export function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!active) return fn();
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}
