import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { ADMIN_CSP, registerAdminUi } from './admin-ui.module.js';

describe('admin dashboard static serving', () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'heyblue-admin-ui-'));
  });
  afterEach(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const boot = async () => {
    app = Fastify();
    await registerAdminUi(app, dir);
    // Real HTTP (light-my-request's inject cannot load under Jest's ESM mode).
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  };
  const get = async (url: string) => {
    const res = await fetch(`${base}${url}`);
    return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  };

  it('answers a 503 problem on every /admin path while the dashboard is not built', async () => {
    await boot();
    for (const url of ['/admin', '/admin/', '/admin/callback?code=x']) {
      const res = await get(url);
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.body)).toMatchObject({
        status: 503,
        code: 'ADMIN_UI_NOT_BUILT',
        title: 'Service Unavailable',
      });
    }
  });

  it('serves index.html for the app routes and hashed assets, all under the strict CSP', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><script type="module" src="/admin/assets/app-1.js"></script>',
    );
    writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
    await boot();
    for (const url of ['/admin', '/admin/', '/admin/callback?code=x&state=y', '/admin/reports']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(ADMIN_CSP);
      expect(res.body).toContain('/admin/assets/app-1.js');
    }
    const asset = await get('/admin/assets/app-1.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['content-security-policy']).toBe(ADMIN_CSP);
    expect((await get('/admin/assets/nope.js')).statusCode).toBe(404);
    expect((await get('/administrator')).statusCode).toBe(404);
    expect(ADMIN_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
  });
});
