import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { IsInt, IsString, Length, Min } from 'class-validator';
import request from 'supertest';
import { DomainError, RateLimit } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/poll.js';
import { RedisProxy } from '../support/redis-proxy.js';

class EchoDto {
  @IsString() @Length(2, 10) name!: string;
  @IsInt() @Min(1) n!: number;
}

/** Routes that exercise the kernel's edges (mounted only in this test). */
@Controller('kernel-test')
class KernelTestController {
  @Post('echo')
  echo(@Body() dto: EchoDto): EchoDto {
    return dto;
  }

  @Get('domain-error')
  domainError(): never {
    throw new DomainError('SOMETHING_BROKEN', 'A business rule was broken.', 422);
  }

  @Get('crash')
  crash(): never {
    throw new Error('syntax error at or near "FROM secret_table" WHERE password = 1');
  }

  @Get('limited')
  @RateLimit({ name: 'kernel-test', points: 2, durationS: 60 })
  limited(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [KernelTestController] })
class KernelTestModule {}

const PROBLEM = /^application\/problem\+json/;

describe('platform kernel over HTTP', () => {
  let t: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: '2048' }, undefined, [KernelTestModule]);
    second = await startTestApp({ BODY_LIMIT_BYTES: '2048' }, t.testEnv, [KernelTestModule]);
  });
  afterAll(async () => {
    await second.close();
    await t.close();
    await t.testEnv.drop();
  });

  it('accepts a valid body', async () => {
    await request(t.url)
      .post('/api/v1/kernel-test/echo')
      .send({ name: 'Ada', n: 3 })
      .expect(201, { name: 'Ada', n: 3 });
  });

  it('reports every invalid field with a stable code', async () => {
    const res = await request(t.url).post('/api/v1/kernel-test/echo').send({ name: 'A', n: 0 }).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', title: 'Bad Request' });
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['n', 'name']);
    for (const e of res.body.errors) expect(typeof e.message).toBe('string');
  });

  it('rejects unknown properties', async () => {
    const res = await request(t.url)
      .post('/api/v1/kernel-test/echo')
      .send({ name: 'Ada', n: 3, isAdmin: true })
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'isAdmin' })]);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await request(t.url)
      .post('/api/v1/kernel-test/echo')
      .set('Content-Type', 'application/json')
      .send('{"name": "Ada",')
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.code).toBe('MALFORMED_JSON');
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await request(t.url)
      .post('/api/v1/kernel-test/echo')
      .send({ name: 'Ada', n: 3, pad: 'x'.repeat(4096) })
      .expect(413);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 415 for an unsupported content type', async () => {
    const res = await request(t.url)
      .post('/api/v1/kernel-test/echo')
      .set('Content-Type', 'application/xml')
      .send('<a/>')
      .expect(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('maps domain errors to their code and status', async () => {
    const res = await request(t.url).get('/api/v1/kernel-test/domain-error').expect(422);
    expect(res.body).toMatchObject({
      code: 'SOMETHING_BROKEN',
      detail: 'A business rule was broken.',
      status: 422,
    });
  });

  it('never leaks internals on a crash', async () => {
    const res = await request(t.url).get('/api/v1/kernel-test/crash').expect(500);
    expect(res.body).toMatchObject({ code: 'INTERNAL_ERROR', status: 500 });
    expect(JSON.stringify(res.body)).not.toMatch(/secret_table|password|at .*\.ts|stack/i);
  });

  it('echoes a request id for log correlation', async () => {
    const res = await request(t.url)
      .get('/api/v1/health/live')
      .set('x-request-id', 'req-abc-123')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('req-abc-123');
    const generated = await request(t.url).get('/api/v1/health/live').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('enforces rate limits across instances with Retry-After, and tells where the caller stands (RateLimit-*)', async () => {
    const first = await request(t.url).get('/api/v1/kernel-test/limited').expect(200);
    expect(first.headers['ratelimit-limit']).toBe('2');
    expect(first.headers['ratelimit-remaining']).toBe('1');
    expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(first.headers['ratelimit-reset'])).toBeLessThanOrEqual(60);
    const other = await request(second.url).get('/api/v1/kernel-test/limited').expect(200);
    expect(other.headers['ratelimit-remaining']).toBe('0');
    const res = await request(t.url).get('/api/v1/kernel-test/limited').expect(429);
    expect(res.body.code).toBe('RATE_LIMITED');
    expect(res.headers['ratelimit-limit']).toBe('2');
    expect(res.headers['ratelimit-remaining']).toBe('0');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('exposes Prometheus metrics', async () => {
    await request(t.url).get('/api/v1/health/live').expect(200);
    const res = await request(t.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(
      /heyblue_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/health\/live",status="200"\} \d+/,
    );
    for (const name of [
      'heyblue_socket_connections',
      'heyblue_event_queue_depth',
      'heyblue_dead_letters',
      'heyblue_outbox_pending',
      'heyblue_process_cpu_user_seconds_total',
      'heyblue_nodejs_heap_size_used_bytes',
    ]) {
      expect(res.text).toContain(name);
    }
  });

  it('sends security headers and no x-powered-by, on answers and on problems alike', async () => {
    const helmetHeaders = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };
    for (const [path, status] of [
      ['/api/v1/health/live', 200],
      ['/api/v1/no-such-route', 404],
    ] as const) {
      const res = await request(t.url).get(path).expect(status);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers).toMatchObject(helmetHeaders);
      // HSTS only in production; no CSP on a JSON API.
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['content-security-policy']).toBeUndefined();
    }
  });
});

describe('readiness follows its dependencies', () => {
  it('goes 503 when Redis is cut and back to 200 when it returns', async () => {
    const proxy = await RedisProxy.start();
    const t = await startTestApp(proxy.env);
    try {
      await request(t.url).get('/api/v1/health/ready').expect(200);
      proxy.cut();
      const down = await eventually(
        () => request(t.url).get('/api/v1/health/ready'),
        (r) => r.status === 503,
        { what: 'readiness 503' },
      );
      expect(down.headers['content-type']).toMatch(PROBLEM);
      expect(down.body.code).toBe('NOT_READY');
      expect(down.body.checks.details.redis.status).toBe('down');
      expect(down.body.checks.details.postgres.status).toBe('up');
      // Minimal disclosure: which dependency is down, never the driver's words (hosts, ports, users).
      expect(down.body.checks.details).toEqual({ postgres: { status: 'up' }, redis: { status: 'down' } });
      expect(JSON.stringify(down.body)).not.toMatch(
        new RegExp(`message|ECONN|closed|timed out|127\\.0\\.0\\.1|${proxy.ports.join('|')}`),
      );
      expect(down.headers['x-request-id']).toMatch(/^[\w.-]+$/);
      // Liveness is not tied to dependencies.
      await request(t.url).get('/api/v1/health/live').expect(200);
      proxy.restore();
      await eventually(
        () => request(t.url).get('/api/v1/health/ready'),
        (r) => r.status === 200,
        { timeoutMs: 20_000, what: 'readiness back' },
      );
    } finally {
      await t.close();
      await proxy.stop();
    }
  });
});
