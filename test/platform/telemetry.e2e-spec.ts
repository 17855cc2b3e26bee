import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from '../support/app.js';
import { CLI_TEST_TIMEOUT_MS } from '../support/cli.js';
import { api, given } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  scope: string;
  attributes: Record<string, unknown>;
}

/** A minimal OTLP/HTTP (JSON) trace receiver: what a collector would get. */
async function otlpReceiver(): Promise<{ server: Server; url: string; spans: Span[] }> {
  const spans: Span[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && /json/.test(req.headers['content-type'] ?? '')) {
        for (const rs of JSON.parse(body).resourceSpans ?? []) {
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              const attributes = Object.fromEntries(
                (s.attributes ?? []).map((a: { key: string; value: Record<string, unknown> }) => [
                  a.key,
                  Object.values(a.value)[0],
                ]),
              );
              spans.push({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId || undefined,
                name: s.name,
                kind: s.kind,
                scope: ss.scope?.name ?? '',
                attributes,
              });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

/** The real entry point (apps/api/src/main.ts) in a child process, as `npm start` runs it. */
async function startMain(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; lines: () => string[] }> {
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'apps/api/src/main.ts'],
    {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await eventually(
    () => {
      if (child.exitCode !== null) throw new Error(`main exited ${child.exitCode}: ${err.slice(-2000)}`);
      return /API listening on (http:\/\/[\d.:]+)/.exec(out)?.[1];
    },
    Boolean,
    { timeoutMs: CLI_TEST_TIMEOUT_MS - 30_000, intervalMs: 200, what: 'main listening' },
  );
  return { child, url: url!, lines: () => out.split('\n').filter((l) => l.startsWith('{')) };
}

describe('OpenTelemetry traces', () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let testEnv: TestEnv;
  let main: Awaited<ReturnType<typeof startMain>>;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    testEnv = await createTestEnv();
    main = await startMain({
      ...testEnv.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'heyblue-api-test',
      // Export batches quickly instead of every 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  }, CLI_TEST_TIMEOUT_MS);

  afterAll(async () => {
    main?.child.kill('SIGTERM');
    await new Promise((resolve) =>
      main?.child.exitCode !== null ? resolve(null) : main.child.once('exit', resolve),
    );
    receiver?.server.close();
    await testEnv?.drop();
  });

  it("exports the HTTP server span named by its route, with the token lookup's PostgreSQL span and ioredis child spans, and puts its trace id on the request log line", async () => {
    const t = { url: main.url } as TestApp;
    const requestId = `otel-${Date.now()}`;
    const res = await api(t, 'GET', '/auth/session', {
      token: 'not-a-real-token',
      headers: { 'x-request-id': requestId },
    });
    expect(res.status).toBe(401);

    const server = await eventually(
      () => receiver.spans.find((s) => s.kind === 2 && s.attributes['http.route'] === '/api/v1/auth/session'),
      Boolean,
      { what: 'server span exported' },
    );
    expect(server!.name).toBe('GET /api/v1/auth/session');
    // Everything under the server span, whatever depth.
    const descendants = await eventually(
      () => {
        const ids = new Set([server!.spanId]);
        const trace = receiver.spans.filter((s) => s.traceId === server!.traceId);
        for (let grew = true; grew;) {
          grew = false;
          for (const s of trace) {
            if (s.parentSpanId && ids.has(s.parentSpanId) && !ids.has(s.spanId)) {
              ids.add(s.spanId);
              grew = true;
            }
          }
        }
        return trace.filter((s) => s.spanId !== server!.spanId && ids.has(s.spanId));
      },
      (spans) => spans.some((s) => s.scope.includes('ioredis')) && spans.some((s) => s.name === 'pg:query'),
      { what: 'ioredis and PostgreSQL child spans' },
    );
    // The bearer-token lookup runs outside Prisma (PrismaService.rows) and has a span of its own:
    // the SQL with placeholders, never the values (the token's hash).
    const lookup = descendants.find((s) => s.name === 'pg:query')!;
    expect(lookup.attributes['db.system.name']).toBe('postgresql');
    expect(String(lookup.attributes['db.query.text'])).toMatch(
      /FROM iam_session s JOIN iam_account a .*access_token_hash = ANY\(\$1::text\[\]\)/s,
    );
    expect(JSON.stringify(lookup.attributes)).not.toContain('not-a-real-token');
    expect(Object.keys(lookup.attributes).sort()).toEqual(['db.query.text', 'db.system.name']);
    const redis = descendants.find((s) => s.scope.includes('ioredis'))!;
    expect(redis.attributes['db.system.name'] ?? redis.attributes['db.system']).toBe('redis');
    // Command and key only: values (tokens, phones, coordinates) never reach the collector.
    const statement = String(redis.attributes['db.query.text'] ?? redis.attributes['db.statement'] ?? '');
    expect(statement.split(' ').length).toBeLessThanOrEqual(2);

    const line = await eventually(
      () =>
        main
          .lines()
          .map(
            (l) =>
              JSON.parse(l) as { req?: { id?: string }; res?: unknown; trace_id?: string; span_id?: string },
          )
          .find((l) => l.req?.id === requestId && l.res),
      Boolean,
      { what: 'request log line' },
    );
    expect(line!.trace_id).toBe(server!.traceId);
    expect(line!.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('exports a span per queued event a consumer handles (bull), with Prisma spans inside it', async () => {
    // A first sign-in creates an account; its AccountCreated event reaches other contexts' consumers through bull.
    await given.citizen({ url: main.url } as TestApp);
    const consumer = await eventually(
      () =>
        receiver.spans.find(
          (s) =>
            s.attributes['messaging.system'] === 'bull' &&
            s.attributes['heyblue.event.type'] === 'AccountCreated',
        ),
      Boolean,
      { what: 'consumer span exported' },
    );
    expect(consumer!.name).toMatch(/^event [a-z-]+\./);
    await eventually(
      () =>
        receiver.spans.filter((s) => s.traceId === consumer!.traceId && s.parentSpanId === consumer!.spanId),
      (children) => children.some((s) => s.name.startsWith('prisma:')),
      { what: 'Prisma spans inside the consumer span' },
    );
  });
});
