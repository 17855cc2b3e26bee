import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { PrismaInstrumentation } from '@prisma/instrumentation';

/** Loaded only when tracing is on. The exporter and sampler read the standard OTEL_* variables. */
export function startTracing(env: NodeJS.ProcessEnv): () => Promise<void> {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || 'heyblue-api' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Scrapes and probes would drown the traces that matter.
        ignoreIncomingRequestHook: (req) =>
          req.url === '/metrics' || (req.url ?? '').startsWith('/api/v1/health/'),
      }),
      // Keys only: values may be tokens, phones or coordinates.
      new IORedisInstrumentation({
        dbStatementSerializer: (command, args) => [command, ...args.slice(0, 1)].join(' '),
      }),
      new PrismaInstrumentation(),
    ],
  });
  const stop = () => provider.shutdown();
  // Spans still batched when the process is asked to stop go out first (best effort).
  process.once('SIGTERM', () => void stop().catch(() => undefined));
  return stop;
}
