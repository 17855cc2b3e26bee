import { randomUUID } from 'node:crypto';
import { PrismaService } from '@heyblue/platform';
import { RewardsApi } from '@heyblue/rewards';
import { startTestApp, type TestApp } from '../support/app.js';
import { given, type SignedIn } from '../support/given.js';
import { earn, givenOffer } from '../rewards/rewards-fixtures.js';
import {
  answers,
  call,
  fill,
  INJECTIONS,
  operations,
  resolve,
  ROLES,
  sample,
  textFields,
  type Operation,
  type Role,
} from './openapi-walk.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- OpenAPI documents are walked as plain JSON */

/**
 * Walks every operation of the served OpenAPI document with hostile requests. A route added
 * later is probed without touching this file; one added without auth fails the first test
 * until it is listed below with its reason.
 */
const PUBLIC: Record<string, string> = {
  'GET /api/v1/health/live': 'liveness probe of the orchestrator',
  'GET /api/v1/health/ready': 'readiness probe of the orchestrator',
  'GET /api/v1/auth/providers': 'the sign-in screen lists providers before anyone is signed in',
  'POST /api/v1/auth/oidc/start': 'starts a sign-in (rate-limited per IP)',
  'POST /api/v1/auth/oidc/callback':
    'the state and code from the provider are the credential (rate-limited per IP)',
  'POST /api/v1/auth/phone/start': 'the single-use registration token in the body is the credential',
  'POST /api/v1/auth/phone/verify': 'the single-use registration token in the body is the credential',
  'POST /api/v1/auth/refresh': 'the refresh token in the body is the credential',
  'GET /dev/sms': 'development mode only: not mounted otherwise (edges.e2e-spec checks production)',
  'GET /dev/push': 'development mode only: answers 404 unless pushes go to the dev outbox (push.e2e-spec)',
  'GET /api/v1/vouchers/public-key': 'retailers verify voucher signatures offline with it',
  'GET /api/v1/quotes/random': 'public motivational quote for the app’s home screen',
};

/** Public routes whose body carries the credential: a made-up one must get 401. */
const BODY_CREDENTIAL = [
  'POST /api/v1/auth/phone/start',
  'POST /api/v1/auth/phone/verify',
  'POST /api/v1/auth/refresh',
];

const BODY_LIMIT = 4096;
const PROBLEM = /^application\/problem\+json/;
const JSON_TYPE = /^application\/(problem\+)?json/;

describe('security probes over every documented route', () => {
  let t: TestApp;
  let doc: any;
  let ops: Operation[];
  const who = {} as Record<Role, SignedIn>;
  let other: SignedIn;
  let retailerKey: string;

  beforeAll(async () => {
    // Per-account limits stay out of the way of the many probes one account sends.
    t = await startTestApp({
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      RATE_LIMITS: 'connection-requests=10000/60,iam-session=10000/60',
    });
    doc = (await call(t, 'GET', '/api/docs-json')).body;
    ops = operations(doc);
    [who.citizen, who.officer, who.admin, other] = await Promise.all([
      given.citizen(t),
      given.officer(t),
      given.admin(t),
      given.citizen(t),
    ]);
    const offer = await givenOffer(t);
    retailerKey = (await t.app.get(RewardsApi).issueRetailerKey(offer.retailerExternalId)).key;
  });
  afterAll(() => t.close());

  /** Credentials that pass a route's guards. */
  const credentials = (op: Operation) =>
    op.auth === 'bearer'
      ? { token: who[op.roles[0] ?? 'citizen'].accessToken }
      : op.auth === 'retailer-key'
        ? { retailerKey }
        : {};
  const idempotency = { 'idempotency-key': randomUUID() };
  const jsonOps = () => ops.filter((op) => op.jsonBody);
  const send = (op: Operation, body: unknown, extra: Parameters<typeof call>[3] = {}) =>
    call(t, op.method, fill(op.path), {
      ...credentials(op),
      body: JSON.stringify(body),
      contentType: 'application/json',
      headers: { ...idempotency, 'idempotency-key': randomUUID() },
      ...extra,
    });

  it('has auth on every route but the listed public ones, and every /admin route is admin-only', () => {
    expect(ops.length).toBeGreaterThan(40);
    expect(
      ops
        .filter((op) => op.auth === 'none')
        .map((op) => op.key)
        .sort(),
    ).toEqual(Object.keys(PUBLIC).sort());
    const admin = ops.filter((op) => op.path.startsWith('/api/v1/admin/'));
    expect(admin.length).toBeGreaterThan(10);
    expect(
      admin.filter((op) => op.auth !== 'bearer' || op.roles.join() !== 'admin').map((op) => op.key),
    ).toEqual([]);
    // Under their own security scheme (OWASP API5: admin functions apart from the others)…
    const scheme = (key: string): string =>
      JSON.stringify(doc.paths[key.split(' ')[1]!][key.split(' ')[0]!.toLowerCase()].security ?? []);
    expect(admin.filter((op) => scheme(op.key) !== '[{"admin":[]}]').map((op) => op.key)).toEqual([]);
    // …which no other route uses.
    expect(
      ops
        .filter((op) => !op.path.includes('/admin/') && scheme(op.key).includes('"admin"'))
        .map((op) => op.key),
    ).toEqual([]);
  });

  it('answers 401 without credentials, with a made-up token or key, and with a made-up credential in the body', async () => {
    const failures: string[] = [];
    for (const op of ops.filter((o) => o.auth !== 'none')) {
      const path = fill(op.path);
      const attempts = [
        () => call(t, op.method, path),
        () =>
          call(
            t,
            op.method,
            path,
            op.auth === 'bearer' ? { token: `hb_${randomUUID()}` } : { retailerKey: `hbr_${randomUUID()}` },
          ),
        () => call(t, op.method, path, { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }),
      ];
      for (const attempt of attempts) {
        const res = await attempt();
        if (res.status !== 401 || !PROBLEM.test(res.headers.get('content-type') ?? ''))
          failures.push(`${op.key} → ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    for (const key of BODY_CREDENTIAL) {
      const op = ops.find((o) => o.key === key)!;
      const res = await send(op, sample(doc, op.jsonBody));
      if (res.status !== 401)
        failures.push(`${op.key} with a made-up credential → ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 FORBIDDEN to every role a route is not for, before looking at the input', async () => {
    const failures: string[] = [];
    let probed = 0;
    for (const op of ops.filter((o) => o.auth === 'bearer' && o.roles.length > 0)) {
      for (const role of ROLES.filter((r) => !op.roles.includes(r))) {
        probed++;
        const res = await call(t, op.method, fill(op.path), {
          token: who[role].accessToken,
          ...(op.jsonBody ? { body: '{}', contentType: 'application/json' } : {}),
        });
        if (res.status !== 403 || res.body?.code !== 'FORBIDDEN')
          failures.push(`${op.key} as ${role} → ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(probed).toBeGreaterThan(40);
    expect(failures).toEqual([]);
  });

  it('keeps another account’s ledger entries out of reach (404) and shows others only the public profile', async () => {
    await earn(t, other.accountId, 1);
    const [entry] = (await call(t, 'GET', '/api/v1/rewards/transactions', { token: other.accessToken })).body
      .items;
    expect(
      (await call(t, 'GET', `/api/v1/rewards/transactions/${entry.id}`, { token: other.accessToken })).status,
    ).toBe(200);
    const theirs = await call(t, 'GET', `/api/v1/rewards/transactions/${entry.id}`, {
      token: who.citizen.accessToken,
    });
    expect(theirs.status).toBe(404);
    expect(theirs.text).not.toContain(other.accountId);
    // A request addressed to another officer answers 403 NOT_YOUR_REQUEST (the contract's "not yours"): test/connections/guards.e2e-spec.ts.
    const profile = await call(t, 'GET', `/api/v1/profiles/${other.accountId}`, {
      token: who.citizen.accessToken,
    });
    expect(profile.status).toBe(200);
    const publicFields = Object.keys(doc.components.schemas.PublicProfileDto.properties);
    expect(Object.keys(profile.body).filter((k) => !publicFields.includes(k))).toEqual([]);
    expect(profile.text).not.toContain(other.phone.slice(-4));
  });

  it('answers 413 PAYLOAD_TOO_LARGE to a body over the limit on every JSON route', async () => {
    const failures: string[] = [];
    for (const op of jsonOps()) {
      const res = await send(op, { pad: 'x'.repeat(BODY_LIMIT) });
      if (res.status !== 413 || res.body?.code !== 'PAYLOAD_TOO_LARGE')
        failures.push(`${op.key} → ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(jsonOps().length).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE to text, form and XML bodies on every JSON route', async () => {
    const failures: string[] = [];
    for (const op of jsonOps()) {
      for (const [contentType, body] of [
        ['text/plain', JSON.stringify(sample(doc, op.jsonBody))],
        ['application/x-www-form-urlencoded', 'a=b'],
        ['application/xml', '<a/>'],
      ] as const) {
        const res = await call(t, op.method, fill(op.path), {
          ...credentials(op),
          body,
          contentType,
          headers: { 'idempotency-key': randomUUID() },
        });
        if (res.status !== 415 || res.body?.code !== 'UNSUPPORTED_MEDIA_TYPE')
          failures.push(`${op.key} ${contentType} → ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses unknown body fields with 400 VALIDATION_FAILED naming the field, on every JSON route', async () => {
    const failures: string[] = [];
    for (const op of jsonOps()) {
      const res = await send(op, { ...(sample(doc, op.jsonBody) as object), isAdmin: true });
      const named = (res.body?.errors ?? []).some((e: { field: string }) => e.field === 'isAdmin');
      if (res.status !== 400 || res.body?.code !== 'VALIDATION_FAILED' || !named)
        failures.push(`${op.key} → ${res.status} ${res.text.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
  });

  it('refuses a string one character over its documented maxLength, in every query parameter and body field (400 naming it)', async () => {
    const failures: string[] = [];
    let probes = 0;
    const named = (res: Awaited<ReturnType<typeof call>>, field: string) =>
      res.status === 400 &&
      res.body?.code === 'VALIDATION_FAILED' &&
      (res.body.errors ?? []).some((e: { field: string }) => e.field === field);
    for (const op of ops.filter((o) => !o.multipart)) {
      for (const q of op.queryParams) {
        // A bound over the body limit is the body limit's to enforce (413, checked above).
        if (q.schema?.type !== 'string' || !(q.schema.maxLength < BODY_LIMIT)) continue;
        probes++;
        const query = `?${new URLSearchParams({ [q.name]: '7'.repeat(q.schema.maxLength + 1) })}`;
        const res = await call(t, op.method, `${fill(op.path)}${query}`, credentials(op));
        if (!named(res, q.name))
          failures.push(`${op.key} query ${q.name} → ${res.status} ${res.text.slice(0, 160)}`);
      }
      const props = op.jsonBody ? (resolve(doc, op.jsonBody)?.properties ?? {}) : {};
      for (const [field, raw] of Object.entries<any>(props)) {
        const s = resolve(doc, raw);
        if (s?.type !== 'string' || !(s.maxLength < BODY_LIMIT - 200)) continue;
        probes++;
        const res = await send(op, {
          ...(sample(doc, op.jsonBody) as object),
          [field]: '7'.repeat(s.maxLength + 1),
        });
        if (!named(res, field))
          failures.push(`${op.key} body ${field} → ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    expect(probes).toBeGreaterThan(30);
    expect(failures).toEqual([]);
  });

  it('refuses a path parameter one character over its documented maxLength (4xx, never a 2xx or 5xx)', async () => {
    const failures: string[] = [];
    let probes = 0;
    for (const op of ops.filter((o) => !o.multipart)) {
      const params = (doc.paths[op.path][op.method.toLowerCase()].parameters ?? []).filter(
        (p: any) => p.in === 'path' && p.schema?.maxLength,
      );
      for (const p of params) {
        probes++;
        const path = fill(op.path, { [p.name]: 'a'.repeat(p.schema.maxLength + 1) });
        const res = await call(t, op.method, path, {
          ...credentials(op),
          headers: { 'idempotency-key': randomUUID() },
        });
        if (res.status < 400 || res.status >= 500) failures.push(`${op.key} path ${p.name} → ${res.status}`);
      }
    }
    expect(probes).toBeGreaterThan(15);
    expect(failures).toEqual([]);
  });

  it('keeps injection strings inert in every path parameter, query parameter and body text field', async () => {
    const failures: string[] = [];
    let probes = 0;
    const check = (what: string, res: Awaited<ReturnType<typeof call>>) => {
      probes++;
      const type = res.headers.get('content-type') ?? '';
      if (res.status >= 500) failures.push(`${what} → ${res.status} ${res.text.slice(0, 160)}`);
      else if (res.status !== 204 && !JSON_TYPE.test(type) && !/^text\/csv/.test(type))
        failures.push(`${what} → ${type}`);
    };
    for (const op of ops.filter((o) => !o.multipart)) {
      for (const payload of INJECTIONS) {
        for (const param of op.pathParams) {
          check(
            `${op.key} path ${param}=${JSON.stringify(payload)}`,
            await call(t, op.method, fill(op.path, { [param]: payload }), credentials(op)),
          );
        }
        for (const q of op.queryParams) {
          const query = `?${new URLSearchParams({ [q.name]: payload })}`;
          check(
            `${op.key} query ${q.name}=${JSON.stringify(payload)}`,
            await call(t, op.method, `${fill(op.path)}${query}`, credentials(op)),
          );
        }
        for (const field of op.jsonBody ? textFields(doc, op.jsonBody) : []) {
          const body = { ...(sample(doc, op.jsonBody) as object), [field]: payload };
          check(`${op.key} body ${field}=${JSON.stringify(payload)}`, await send(op, body));
        }
      }
    }
    expect(probes).toBeGreaterThan(300);
    expect(failures).toEqual([]);
  });

  it('stores injected text verbatim and echoes it only as JSON data', async () => {
    const me = who.citizen;
    const hostile = `<script>alert(1)</script>'--`;
    const patched = await call(t, 'PATCH', '/api/v1/me/profile', {
      token: me.accessToken,
      body: JSON.stringify({ displayName: hostile, bio: `=HYPERLINK("x")` }),
      contentType: 'application/json',
    });
    expect(patched.status).toBe(200);
    for (const res of [
      await call(t, 'GET', '/api/v1/me', { token: me.accessToken }),
      await call(t, 'GET', `/api/v1/profiles/${me.accountId}`, { token: other.accessToken }),
    ]) {
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(JSON.stringify(res.body)).toContain(JSON.stringify(hostile));
    }
    // The DROP TABLE payloads above were data too: the accounts are all still there.
    const [{ n }] = await t.app
      .get(PrismaService)
      .$queryRawUnsafe<Array<{ n: number }>>('SELECT count(*)::int AS n FROM iam_account');
    expect(n).toBeGreaterThanOrEqual(4);
  });

  it('answers /admin without executable HTML unless a Content-Security-Policy guards it', async () => {
    for (const path of ['/admin', '/admin/', '/admin/index.html']) {
      const res = await call(t, 'GET', path);
      expect(res.status).toBeLessThan(500);
      const type = res.headers.get('content-type') ?? '';
      if (/html/.test(type)) {
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toMatch(/default-src 'self'/);
        expect(csp).toMatch(/frame-ancestors/);
        expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      } else {
        expect(type).toMatch(JSON_TYPE);
      }
    }
  });

  it('never sent x-powered-by, a sniffable answer or a stack trace in any of the answers above', () => {
    expect(answers.length).toBeGreaterThan(500);
    const failures = answers
      .filter(
        (a) =>
          a.headers.get('x-powered-by') ||
          a.headers.get('x-content-type-options') !== 'nosniff' ||
          /\n\s+at |\bat [\w.<>]+ \(|node_modules|\.ts:\d+/.test(a.text),
      )
      .map((a) => `${a.what} → ${a.status} ${a.text.slice(0, 160)}`);
    expect(failures).toEqual([]);
  });
});
