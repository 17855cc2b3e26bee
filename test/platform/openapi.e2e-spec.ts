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

  it('documents the shared answers: 500 and 401 as problem+json, and the 429 and RateLimit-* headers of rate-limited routes', async () => {
    type Response = { content?: Record<string, unknown>; headers?: Record<string, unknown> };
    type Op = { security?: Array<Record<string, string[]>>; responses: Record<string, Response> };
    const doc = (await request(t.url).get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, Op>>;
      components: {
        schemas: Record<string, unknown>;
        securitySchemes: Record<string, { bearerFormat?: string }>;
      };
    };
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
    );
    const problem = (r?: Response) => Boolean(r?.content?.['application/problem+json']);
    expect(ops.filter(({ op }) => !problem(op.responses['500'])).map((o) => o.key)).toEqual([]);
    expect(
      ops
        .filter(({ op }) => (op.security ?? []).length > 0 && !problem(op.responses['401']))
        .map((o) => o.key),
    ).toEqual([]);
    const limited = ops.filter(({ op }) => op.responses['429']);
    expect(limited.map((o) => o.key)).toEqual(
      expect.arrayContaining(['POST /api/v1/auth/oidc/start', 'GET /api/v1/connections/nearby']),
    );
    for (const { key, op } of limited) {
      expect({ key, retryAfter: Boolean(op.responses['429']!.headers?.['Retry-After']) }).toEqual({
        key,
        retryAfter: true,
      });
      for (const [status, r] of Object.entries(op.responses).filter(([s]) => /^[24]/.test(s)))
        expect({ key, status, headers: Object.keys(r.headers ?? {}) }).toEqual({
          key,
          status,
          headers: expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
        });
    }
    expect(doc.components.schemas.Problem).toBeDefined();
    // Access tokens are opaque random strings, not JWTs; admin routes have their own scheme.
    expect(doc.components.securitySchemes.bearer?.bearerFormat).toBe('opaque');
    expect(doc.components.securitySchemes.admin?.bearerFormat).toBe('opaque');
    expect(doc.paths['/api/v1/admin/audit']!.get!.security).toEqual([{ admin: [] }]);
  });
});
