import request from 'supertest';
import { registeredRoutes } from '../../apps/api/src/bootstrap.js';
import { startTestApp, type TestApp } from '../support/app.js';

/** Fastify `/a/:id` → OpenAPI `/a/{id}`. */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is served as OpenAPI 3 JSON and as Swagger UI', async () => {
    const doc = await request(t.url).get('/api/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.info.title).toBe('Hey Blue! API');
    const ui = await request(t.url).get('/api/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('documents every implemented /api/v1 route', async () => {
    const doc = (await request(t.url).get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const implemented = registeredRoutes(t.app)
      .filter((r) => r.url.startsWith('/api/v1/') && !['HEAD', 'OPTIONS'].includes(r.method))
      .map((r) => `${r.method} ${toOpenApiPath(r.url)}`);
    expect(implemented.length).toBeGreaterThanOrEqual(2);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const missing = implemented.filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
  });
});
