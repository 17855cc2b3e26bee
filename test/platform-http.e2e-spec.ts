import request from 'supertest';
import { startTestApp, type TestApp } from './support/app.js';

describe('platform over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(() => t.close());

  it('answers liveness and readiness against real PostgreSQL and Redis', async () => {
    await request(t.url).get('/api/v1/health/live').expect(200, { status: 'ok' });
    const ready = await request(t.url).get('/api/v1/health/ready').expect(200);
    expect(ready.body.details).toEqual({
      postgres: { status: 'up' },
      redis: { status: 'up', mode: 'single' },
    });
  });

  it('answers unknown routes with problem+json', async () => {
    const res = await request(t.url).get('/api/v1/no-such-route').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, code: 'NOT_FOUND', title: 'Not Found' });
    expect(typeof res.body.type).toBe('string');
    expect(typeof res.body.detail).toBe('string');
  });
});
