/**
 * OpenTelemetry tracing, kept apart from the platform index: `main` loads this before any
 * application module, so the instrumentations see http, ioredis and Prisma on first import.
 * Without OTEL_EXPORTER_OTLP_ENDPOINT nothing is loaded and every helper here is a no-op.
 */
export { startTelemetry, telemetryEnabled } from './start.js';
export { nameServerSpan, traceLogFields, tracingActive, withSpan } from './spans.js';
