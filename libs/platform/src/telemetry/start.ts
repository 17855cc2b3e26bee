import { register } from 'node:module';
import { markTracingActive } from './spans.js';

/** Tracing is on when an OTLP endpoint is configured (the standard OpenTelemetry variable). */
export function telemetryEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/**
 * Starts tracing when enabled; call it before importing the application. Returns a function
 * that flushes and stops the exporter, or undefined when tracing is off (nothing was loaded).
 */
export async function startTelemetry(
  env: NodeJS.ProcessEnv = process.env,
): Promise<(() => Promise<void>) | undefined> {
  if (!telemetryEnabled(env)) return undefined;
  // ioredis is CommonJS imported from our ES modules, an import require hooks never see: the
  // import-in-the-middle loader wraps it (and only it; every other module loads untouched).
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: ['ioredis'] } });
  const { startTracing } = await import('./sdk.js');
  const stop = startTracing(env);
  markTracingActive();
  return stop;
}
