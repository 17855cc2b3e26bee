import { startTestApp, type TestApp } from '../support/app.js';
import type { IssuedDevSession } from '@heyblue/iam';
import { expectAdminOnly, expectInvalid, issueSessions } from '../support/admin-reads.js';
import { api, devEmail, given, type SignedIn } from '../support/given.js';

/** GET /admin/accounts?email= and /admin/accounts/{id}: the dashboard's account search. */
describe('admin account reads', () => {
  let t: TestApp;
  let admin: SignedIn;
  let citizen: SignedIn;
  let officer: IssuedDevSession;

  const get = (path: string, token = admin.accessToken) => api(t, 'GET', path, { token });
  const byEmail = (email: string) => get(`/admin/accounts?email=${encodeURIComponent(email)}`);

  beforeAll(async () => {
    t = await startTestApp();
    [admin, citizen, [officer]] = await Promise.all([
      given.admin(t),
      given.citizen(t),
      issueSessions(t, 'officer'),
    ]);
  });
  afterAll(() => t.close());

  it('finds an account by its exact e-mail, whatever the case, with role, status and display name', async () => {
    const res = await byEmail(devEmail(citizen.login).toUpperCase());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        {
          id: citizen.accountId,
          role: 'citizen',
          status: 'active',
          createdAt: expect.any(String),
          displayName: citizen.login,
        },
      ],
    });
    expect(Date.now() - Date.parse(res.body.items[0].createdAt)).toBeLessThan(10 * 60_000);

    const o = await byEmail(devEmail(officer.login));
    expect(o.body.items).toEqual([expect.objectContaining({ id: officer.accountId, role: 'officer' })]);
  });

  it('answers an empty list for an e-mail nobody has, and no partial matches', async () => {
    expect((await byEmail('nobody-here@dev.heyblue.test')).body).toEqual({ items: [] });
    const domainOnly = devEmail(citizen.login).replace(citizen.login, citizen.login.slice(0, -2));
    expect((await byEmail(domainOnly)).body).toEqual({ items: [] });
  });

  it('shows one account by id, and a suspension in its status', async () => {
    const before = await get(`/admin/accounts/${officer.accountId}`);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      id: officer.accountId,
      role: 'officer',
      status: 'active',
      createdAt: expect.any(String),
      displayName: officer.login,
    });

    const [victim] = await issueSessions(t, 'citizen');
    expect(
      (await api(t, 'POST', `/admin/accounts/${victim.accountId}/suspend`, { token: admin.accessToken }))
        .status,
    ).toBe(200);
    expect((await get(`/admin/accounts/${victim.accountId}`)).body).toMatchObject({
      id: victim.accountId,
      status: 'suspended',
    });
    expect((await byEmail(devEmail(victim.login))).body.items).toEqual([
      expect.objectContaining({ id: victim.accountId, status: 'suspended' }),
    ]);
  });

  it('refuses a missing or invalid e-mail, an unknown parameter and a malformed id with 400', async () => {
    expectInvalid(await get('/admin/accounts'), 'email');
    expectInvalid(await byEmail('not-an-email'), 'email');
    expectInvalid(await byEmail(`${'a'.repeat(320)}@dev.heyblue.test`), 'email');
    expectInvalid(
      await get(`/admin/accounts?email=${encodeURIComponent(devEmail(citizen.login))}&role=admin`),
      'role',
    );
    expectInvalid(await get('/admin/accounts/not-a-uuid'), 'id');
  });

  it('answers 404 ACCOUNT_NOT_FOUND for an unknown id', async () => {
    const res = await get('/admin/accounts/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ACCOUNT_NOT_FOUND');
  });

  it('is for admins only', async () => {
    await expectAdminOnly(t, `/admin/accounts?email=${encodeURIComponent(devEmail(citizen.login))}`, {
      citizen,
      officer,
    });
    await expectAdminOnly(t, `/admin/accounts/${citizen.accountId}`, { citizen, officer });
  });
});
