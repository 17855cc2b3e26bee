import { createHash, randomBytes, randomInt } from 'node:crypto';
import { AdminService, IamApi, type Role } from '@heyblue/iam';
import type { TestApp } from './app.js';

/** The mobile app's redirect URI, registered with the dev provider. */
export const MOBILE_REDIRECT = 'com.heyblue.app:/oauth2redirect';

export interface SignedIn {
  accountId: string;
  accessToken: string;
  refreshToken: string;
  role: Role;
  /** The verified phone and the device id used. */
  phone: string;
  deviceId: string;
  login: string;
}

export interface SignInOptions {
  /** Dev provider login name (e-mail `<login>@dev.heyblue.test` unless it contains @). Random by default. */
  login?: string;
  /** officer: put on the roster first; admin: pre-authorised like `admin:create`. */
  role?: Role;
  phone?: string;
  deviceId?: string;
  /** Client IP the requests claim (X-Forwarded-For); random by default so per-IP limits never collide. */
  ip?: string;
}

export const randomPhone = (): string => `+1555${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
export const randomIp = (): string => `10.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
export const devEmail = (login: string): string =>
  login.includes('@') ? login : `${login}@dev.heyblue.test`;

/** JSON call against the API with a client IP; returns status and parsed body. */
export async function api<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  t: TestApp,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; ip?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${t.url}/api/v1${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      'x-forwarded-for': opts.ip ?? randomIp(),
      ...opts.headers,
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/**
 * Drives the provider's HTML login and consent forms like a browser (cookies, redirects)
 * until it redirects to the client's redirect URI; returns that final URL (with code and state).
 */
export async function providerLogin(
  authorizationUrl: string,
  redirectUri: string,
  login: string,
  password = 'anything',
  /** Picks the server each browser request goes to (e.g. to hop between instances behind a "load balancer"). */
  route: (url: string, step: number) => string = (url) => url,
): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let method = 'GET';
  let body: string | undefined;
  for (let step = 0; step < 20; step++) {
    const res = await fetch(route(url, step), {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      if (location.startsWith(redirectUri)) return new URL(location);
      url = new URL(location, url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200)
      throw new Error(`provider answered ${res.status} at ${url}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form at ${url}: ${html.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    method = 'POST';
    body = /name="login"/.test(html)
      ? new URLSearchParams({ prompt: 'login', login, password }).toString()
      : new URLSearchParams({ prompt: 'consent' }).toString();
  }
  throw new Error('provider login did not finish in 20 steps');
}

/** The same path and query on another origin. */
export const sameServer = (url: string, base: string): string => {
  const u = new URL(url);
  return `${base}${u.pathname}${u.search}`;
};

/** A client-held PKCE pair (RFC 7636 S256), as the app and the dashboard make one. */
export function pkcePair(): { codeVerifier: string; codeChallenge: string; codeChallengeMethod: 'S256' } {
  const codeVerifier = randomBytes(32).toString('base64url');
  return {
    codeVerifier,
    codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    codeChallengeMethod: 'S256',
  };
}

/** A fresh app installation id. */
export const randomDeviceId = (): string => `device-${randomBytes(6).toString('hex')}`;

/**
 * The OIDC half: start (with the client's PKCE challenge) → login form → consent → callback
 * (with the verifier and the device id). Returns the callback answer.
 */
export async function oidcSignIn(
  t: TestApp,
  login: string,
  ip = randomIp(),
  extra: { deviceId?: string; redirectUri?: string } = {},
) {
  const redirectUri = extra.redirectUri ?? MOBILE_REDIRECT;
  const { codeVerifier, ...challenge } = pkcePair();
  const start = await api(t, 'POST', '/auth/oidc/start', {
    body: { provider: 'dev', redirectUri, ...challenge },
    ip,
  });
  if (start.status !== 200) throw new Error(`oidc/start ${start.status}: ${JSON.stringify(start.body)}`);
  // The dev provider of this app may advertise PUBLIC_BASE_URL; the test reaches it directly.
  const redirect = await providerLogin(start.body.authorizationUrl, redirectUri, login, 'anything', (url) =>
    sameServer(url, t.url),
  );
  const code = redirect.searchParams.get('code');
  const state = redirect.searchParams.get('state');
  if (!code || state !== start.body.state) throw new Error(`unexpected redirect ${redirect.href}`);
  return api(t, 'POST', '/auth/oidc/callback', {
    body: { state, code, codeVerifier, deviceId: extra.deviceId ?? randomDeviceId() },
    ip,
  });
}

/** Newest OTP the dev SMS outbox holds for a phone. */
export async function readOtp(t: TestApp, phone: string): Promise<string> {
  const res = await fetch(`${t.url}/dev/sms?phone=${encodeURIComponent(phone)}`);
  const list = (await res.json()) as Array<{ code: string }>;
  if (!Array.isArray(list) || list.length === 0)
    throw new Error(`no SMS for ${phone}: ${JSON.stringify(list)}`);
  return list[0]!.code;
}

/** Signs in through the real flow over HTTP (dev IdP, dev SMS outbox). */
export async function signIn(t: TestApp, opts: SignInOptions = {}): Promise<SignedIn> {
  const login = opts.login ?? `user-${randomBytes(5).toString('hex')}`;
  const ip = opts.ip ?? randomIp();
  const phone = opts.phone ?? randomPhone();
  const deviceId = opts.deviceId ?? randomDeviceId();
  if (opts.role === 'admin') await t.app.get(AdminService).preauthorizeAdmin(devEmail(login));
  if (opts.role === 'officer') {
    await t.app.get(IamApi).upsertOfficerRosterEntry({
      badgeNumber: `B${randomInt(10_000, 99_999)}`,
      email: devEmail(login),
      firstName: 'Test',
      lastName: login,
      precinct: '1st',
      zip: '10001',
    });
  }
  const cb = await oidcSignIn(t, login, ip, { deviceId });
  if (cb.status !== 200) throw new Error(`oidc/callback ${cb.status}: ${JSON.stringify(cb.body)}`);
  let session = cb.body.session;
  if (cb.body.status === 'phone_required') {
    const registrationToken = cb.body.registrationToken;
    const started = await api(t, 'POST', '/auth/phone/start', { body: { registrationToken, phone }, ip });
    if (started.status !== 202)
      throw new Error(`phone/start ${started.status}: ${JSON.stringify(started.body)}`);
    const code = await readOtp(t, phone);
    const verified = await api(t, 'POST', '/auth/phone/verify', {
      body: { registrationToken, phone, code, deviceId },
      ip,
    });
    if (verified.status !== 200)
      throw new Error(`phone/verify ${verified.status}: ${JSON.stringify(verified.body)}`);
    session = verified.body.session;
  }
  return {
    accountId: session.account.id,
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    role: session.account.role,
    phone,
    deviceId,
    login,
  };
}

/** Shortcuts: a fresh citizen, officer or admin, signed in through the real flow. */
export const given = {
  signIn,
  citizen: (t: TestApp, opts: Omit<SignInOptions, 'role'> = {}) => signIn(t, { ...opts, role: 'citizen' }),
  officer: (t: TestApp, opts: Omit<SignInOptions, 'role'> = {}) => signIn(t, { ...opts, role: 'officer' }),
  admin: (t: TestApp, opts: Omit<SignInOptions, 'role'> = {}) => signIn(t, { ...opts, role: 'admin' }),
};
