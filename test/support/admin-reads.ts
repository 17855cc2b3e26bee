import { DevSessionsService, type IssuedDevSession, type Role } from '@heyblue/iam';
import type { TestApp } from './app.js';
import { api } from './given.js';

/**
 * Signed-in accounts of a role through IAM's `session:issue` path (development mode): the
 * suites that only need someone to call or to be turned away skip the OIDC and SMS steps
 * that the sign-in suites already cover.
 */
export async function issueSessions(t: TestApp, role: Role, count = 1): Promise<IssuedDevSession[]> {
  return t.app.get(DevSessionsService).issue(role, count);
}

/** Tokens of a non-admin of each kind, for checking that a route turns them away. */
export interface NonAdmins {
  citizen: { accessToken: string };
  officer: { accessToken: string };
}

/**
 * An admin-only GET: 401 problem without a token or with an unknown one, 403 FORBIDDEN for
 * a citizen and an officer. Returns nothing; fails the test through `expect`.
 */
export async function expectAdminOnly(t: TestApp, path: string, who: NonAdmins): Promise<void> {
  const anonymous = await api(t, 'GET', path);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect((await api(t, 'GET', path, { token: 'not-a-token' })).status).toBe(401);
  for (const role of ['citizen', 'officer'] as const) {
    const res = await api(t, 'GET', path, { token: who[role].accessToken });
    expect({ role, status: res.status, code: res.body?.code }).toEqual({
      role,
      status: 403,
      code: 'FORBIDDEN',
    });
  }
}

/** A 400 VALIDATION_FAILED problem naming `field` among its errors. */
export function expectInvalid(
  res: { status: number; body: { code?: string; errors?: Array<{ field: string }> } },
  field: string,
): void {
  expect(res.status).toBe(400);
  expect(res.body.code).toBe('VALIDATION_FAILED');
  expect(res.body.errors?.map((e) => e.field)).toContain(field);
}
