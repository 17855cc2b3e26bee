import { ApiClient, ApiError, type Session } from './api';

/** A stand-in for the API's auth endpoints: access tokens expire when told to, refresh tokens are single use. */
class FakeAuthServer {
  valid = new Set(['a1']);
  refreshTokens = new Set(['r1']);
  refreshCalls = 0;
  seq = 1;

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const auth = new Headers(init?.headers).get('authorization');
    if (url.endsWith('/auth/refresh')) {
      this.refreshCalls++;
      await new Promise((r) => setTimeout(r, 5));
      const { refreshToken } = JSON.parse(String(init?.body)) as { refreshToken: string };
      if (!this.refreshTokens.delete(refreshToken)) return problem(401, 'REFRESH_TOKEN_REUSED');
      this.seq++;
      this.valid.add(`a${this.seq}`);
      this.refreshTokens.add(`r${this.seq}`);
      return json(200, { session: session(this.seq) });
    }
    if (url.endsWith('/auth/logout')) return new Response(null, { status: 204 });
    if (!auth || !this.valid.has(auth.slice('Bearer '.length))) return problem(401, 'TOKEN_INVALID');
    if (url.endsWith('/admin/broken')) return problem(422, 'OWN_ACCOUNT', 'Admins cannot change themselves.');
    return json(200, { token: auth });
  }) as typeof fetch;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const problem = (status: number, code: string, detail = '') =>
  json(status, {
    type: 'about:blank',
    title: status === 401 ? 'Unauthorized' : 'Unprocessable Content',
    status,
    code,
    detail,
  });
const session = (n: number, expiresInMs = 600_000): Session => ({
  accessToken: `a${n}`,
  refreshToken: `r${n}`,
  accessTokenExpiresAt: new Date(Date.now() + expiresInMs).toISOString(),
  account: { id: 'acc-1', role: 'admin' },
});

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    m,
  };
}

describe('ApiClient', () => {
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const deps = (server: FakeAuthServer, storage = memoryStorage()) => ({
    fetch: server.fetch,
    storage,
    setTimeout: (fn: () => void, ms: number) => timers.push({ fn, ms }),
    clearTimeout: () => undefined,
  });
  beforeEach(() => (timers.length = 0));

  it('refreshes once on a 401 and retries the call with the new token', async () => {
    const server = new FakeAuthServer();
    const client = new ApiClient(deps(server));
    client.setSession(session(1));
    server.valid.delete('a1'); // expired on the server
    expect(await client.get('/admin/x')).toEqual({ token: 'Bearer a2' });
    expect(client.current?.refreshToken).toBe('r2');
  });

  it('shares one refresh between concurrent 401s (a refresh token is single use)', async () => {
    const server = new FakeAuthServer();
    const client = new ApiClient(deps(server));
    client.setSession(session(1));
    server.valid.delete('a1');
    const answers = await Promise.all([
      client.get('/admin/a'),
      client.get('/admin/b'),
      client.get('/admin/c'),
    ]);
    expect(answers).toEqual([{ token: 'Bearer a2' }, { token: 'Bearer a2' }, { token: 'Bearer a2' }]);
    expect(server.refreshCalls).toBe(1);
  });

  it('forgets the session when the refresh is refused, and the call fails with the problem', async () => {
    const server = new FakeAuthServer();
    const storage = memoryStorage();
    const client = new ApiClient(deps(server, storage));
    const changes: Array<Session | null> = [];
    client.onChange((s) => changes.push(s));
    client.setSession(session(1));
    server.valid.delete('a1');
    server.refreshTokens.clear();
    await expect(client.get('/admin/x')).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    expect(client.current).toBeNull();
    expect(storage.m.size).toBe(0);
    expect(changes.at(-1)).toBeNull();
  });

  it('schedules a silent refresh a minute before the access token expires', async () => {
    const server = new FakeAuthServer();
    const client = new ApiClient(deps(server));
    client.setSession(session(1, 5 * 60_000));
    const timer = timers.at(-1)!;
    expect(timer.ms).toBeGreaterThan(3.9 * 60_000);
    expect(timer.ms).toBeLessThanOrEqual(4 * 60_000);
    timer.fn();
    await new Promise((r) => setTimeout(r, 20));
    expect(client.current?.accessToken).toBe('a2');
  });

  it('keeps the session in the given storage (sessionStorage in the browser) and clears it on logout', async () => {
    const server = new FakeAuthServer();
    const storage = memoryStorage();
    new ApiClient(deps(server, storage)).setSession(session(1));
    const reloaded = new ApiClient(deps(server, storage));
    expect(reloaded.current?.accessToken).toBe('a1');
    await reloaded.logout();
    expect(reloaded.current).toBeNull();
    expect(storage.m.size).toBe(0);
  });

  it('turns a problem answer into an ApiError with its title, detail and code', async () => {
    const server = new FakeAuthServer();
    const client = new ApiClient(deps(server));
    client.setSession(session(1));
    const err = (await client.get('/admin/broken').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 422,
      title: 'Unprocessable Content',
      detail: 'Admins cannot change themselves.',
      code: 'OWN_ACCOUNT',
    });
  });
});
