import { startTestApp, type TestApp } from '../support/app.js';

describe('IAM in the OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('documents every contract endpoint of the sign-in section and the IAM admin endpoints', async () => {
    const doc = (await (await fetch(`${t.url}/api/docs-json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
    };
    const op = (path: string, method: string) => doc.paths[path]?.[method];
    for (const [path, method] of [
      ['/api/v1/auth/providers', 'get'],
      ['/api/v1/auth/oidc/start', 'post'],
      ['/api/v1/auth/oidc/callback', 'post'],
      ['/api/v1/auth/phone/start', 'post'],
      ['/api/v1/auth/phone/verify', 'post'],
      ['/api/v1/auth/refresh', 'post'],
      ['/api/v1/auth/logout', 'post'],
      ['/api/v1/me/sessions', 'get'],
      ['/api/v1/me/sessions/{id}', 'delete'],
      ['/api/v1/admin/accounts/{id}/role', 'post'],
      ['/api/v1/admin/accounts/{id}/suspend', 'post'],
      ['/api/v1/admin/audit', 'get'],
      ['/dev/sms', 'get'],
    ] as const) {
      expect({ path, method, documented: Boolean(op(path, method)) }).toEqual({
        path,
        method,
        documented: true,
      });
    }
    expect(op('/api/v1/auth/logout', 'post')!.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(op('/api/v1/admin/audit', 'get')!.responses)).toEqual(
      expect.arrayContaining(['200', '401', '403']),
    );
    expect(op('/api/v1/auth/phone/start', 'post')!.responses['202']).toBeDefined();
    expect(op('/api/v1/auth/oidc/start', 'post')!.security).toBeUndefined();
    expect(op('/api/v1/me/sessions/{id}', 'delete')!.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(op('/api/v1/me/sessions/{id}', 'delete')!.responses)).toEqual(
      expect.arrayContaining(['204', '401', '404']),
    );
    const schemas = (doc as unknown as { components: { schemas: Record<string, { required?: string[] }> } })
      .components.schemas;
    expect(schemas.StartSignInDto!.required).toEqual(
      expect.arrayContaining(['codeChallenge', 'codeChallengeMethod']),
    );
    expect(schemas.CallbackDto!.required).toEqual(
      expect.arrayContaining(['state', 'code', 'codeVerifier', 'deviceId']),
    );
  });
});
