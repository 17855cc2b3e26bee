import { createCipheriv, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaService } from '@heyblue/platform';
import { PiiReencryption } from '@heyblue/iam';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';
import { CLI_TEST_TIMEOUT_MS, runCli } from '../support/cli.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { earn, givenOffer } from '../rewards/rewards-fixtures.js';
import { openPrivateKey } from '../../libs/rewards/src/infrastructure/voucher-keys.js';
import { PiiCipher, devKey } from '../../libs/iam/src/infrastructure/pii-cipher.js';
import { maskPhone } from '../../libs/iam/src/domain/account.js';

interface PublishedKey {
  kid: string;
  alg: string;
  jwk: Record<string, unknown>;
}
interface Voucher {
  code: string;
  offerId: string;
  expiresAt: string;
  kid: string;
  signature: string;
}

/** What a retailer's till does offline: find the voucher's key among the published ones and check the signature. */
function verifiesOffline(keys: PublishedKey[], v: Voucher): boolean {
  const key = keys.find((k) => k.kid === v.kid);
  if (!key || key.alg !== 'EdDSA') return false;
  return verify(
    null,
    Buffer.from(`${v.code}|${v.offerId}|${v.expiresAt}`, 'utf8'),
    createPublicKey({ key: key.jwk as never, format: 'jwk' }),
    Buffer.from(v.signature, 'base64url'),
  );
}

const publishedKeys = async (t: TestApp): Promise<PublishedKey[]> =>
  (await api(t, 'GET', '/vouchers/public-key')).body.keys;

async function redeem(t: TestApp, who: SignedIn, offerId: string): Promise<Voucher> {
  const res = await api(t, 'POST', '/rewards/redemptions', { token: who.accessToken, body: { offerId } });
  expect(res.status).toBe(201);
  return res.body.voucher;
}

describe('voucher signing key rotation', () => {
  let t: TestApp;
  let citizen: SignedIn;
  let offerId: string;
  beforeAll(async () => {
    // Instances reload the ring every second here (a new key signs one reload interval after it is made).
    t = await startTestApp({ VOUCHER_KEY_RING_REFRESH_S: '1' });
    citizen = await given.citizen(t);
    await earn(t, citizen.accountId, 10);
    ({ offerId } = await givenOffer(t, { pointsCost: 5 }));
  });
  afterAll(() => t.close());

  it(
    'vouchers:rotate-key: a voucher signed before still verifies offline afterwards, one signed after carries the new kid',
    async () => {
      const before = await redeem(t, citizen, offerId);
      const [first] = await publishedKeys(t);
      expect(first).toMatchObject({
        kid: before.kid,
        alg: 'EdDSA',
        jwk: { kty: 'OKP', crv: 'Ed25519', kid: before.kid },
      });
      expect(first!.jwk).not.toHaveProperty('d');

      const res = await runCli(t.testEnv.env, ['vouchers:rotate-key']);
      expect(res.code).toBe(0);
      const kid = /new voucher signing key (\S+);/.exec(res.out)?.[1];
      expect(kid).toMatch(/^vk-\d{8}-[0-9a-f]{8}$/);
      expect(kid).not.toBe(before.kid);

      // Published before it signs; then it is the current key, the old one listed after it.
      const keys = await eventually(
        () => publishedKeys(t),
        (ks) => ks[0]?.kid === kid,
        { what: 'the new key current' },
      );
      const after = await redeem(t, citizen, offerId);
      expect(after.kid).toBe(kid);
      const published = await publishedKeys(t);
      expect(published.map((k) => k.kid)).toEqual([kid, before.kid]);
      expect(keys.map((k) => k.kid)).toContain(before.kid);
      expect(verifiesOffline(published, before)).toBe(true);
      expect(verifiesOffline(published, after)).toBe(true);
      // Each key verifies only its own vouchers.
      expect(verifiesOffline(published, { ...before, kid: after.kid })).toBe(false);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it('rotates by itself when the signing key reaches VOUCHER_KEY_ROTATION_DAYS, and retires a key once its last voucher has expired', async () => {
    const prisma = t.app.get(PrismaService);
    const current = await redeem(t, citizen, offerId);
    // The current key was made 30 days ago (the default period) as far as the ring can tell.
    await prisma.rewardsVoucherKey.update({
      where: { kid: current.kid },
      data: { createdAt: new Date(Date.now() - 31 * 86_400_000) },
    });
    const keys = await eventually(
      () => publishedKeys(t),
      (ks) => ks[0] !== undefined && ks[0].kid !== current.kid,
      { what: 'an automatic rotation' },
    );
    const next = await redeem(t, citizen, offerId);
    expect(next.kid).toBe(keys[0]!.kid);
    expect(verifiesOffline(await publishedKeys(t), current)).toBe(true);
    // Every voucher of the older keys expires: they leave the published list; the current key stays.
    await prisma.rewardsVoucher.updateMany({
      where: { kid: { not: next.kid } },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const left = await eventually(
      () => publishedKeys(t),
      (ks) => ks.length === 1,
      { what: 'retired keys unpublished' },
    );
    expect(left.map((k) => k.kid)).toEqual([next.kid]);
    expect(await prisma.rewardsVoucherKey.count()).toBe(3);
  });
});

describe('keys from files, outside development mode', () => {
  let dir: string;
  let t: TestApp | undefined;
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('boots on <NAME>_FILE secrets and seals the voucher key ring under the key-encryption key read from its file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'heyblue-keys-'));
    const kek = randomBytes(32);
    const files: Record<string, string> = {};
    for (const [name, value] of Object.entries({
      VOUCHER_KEY_ENCRYPTION_KEY: kek.toString('base64'),
      IAM_PII_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      IAM_PII_HMAC_KEY: randomBytes(32).toString('base64'),
      REPORTING_PSEUDONYM_KEY: randomBytes(32).toString('base64'),
    })) {
      const path = join(dir, name.toLowerCase());
      await writeFile(path, `${value}\n`, { mode: 0o600 });
      files[`${name}_FILE`] = path;
    }
    t = await startTestApp({ HEYBLUE_DEV_MODE: 'false', ...files });
    const [key] = await publishedKeys(t);
    const row = await t.app
      .get(PrismaService)
      .rewardsVoucherKey.findUniqueOrThrow({ where: { kid: key!.kid } });
    expect(row.privateKeyCipher).toMatch(/^v1\./);
    const opened = openPrivateKey(kek, row.kid, row.privateKeyCipher);
    expect(createPublicKey(opened).export({ format: 'jwk' }).x).toBe(key!.jwk.x);
    expect(() => openPrivateKey(randomBytes(32), row.kid, row.privateKeyCipher)).toThrow();
  });
});

describe('PII key rotation', () => {
  const K1 = randomBytes(32);
  const K2 = randomBytes(32);
  let te: TestEnv;
  let t: TestApp | undefined;
  afterAll(async () => {
    await t?.app.close();
    await te.drop();
  });

  it('re-encrypts every e-mail and phone under the new key in the background, each bound to its row, and all stay readable', async () => {
    te = await createTestEnv();
    const a = await startTestApp({ IAM_PII_KEY_ID: 'k1', IAM_PII_ENCRYPTION_KEY: K1.toString('base64') }, te);
    const people = await Promise.all([
      given.citizen(a),
      given.citizen(a),
      given.officer(a),
      given.admin(a),
      given.citizen(a),
    ]);
    const prisma = a.app.get(PrismaService);
    // One row as written before ciphertexts were bound to their row (a v1 envelope, AAD = kid).
    const legacy = people[4]!;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', K1, iv);
    c.setAAD(Buffer.from('k1'));
    const data = Buffer.concat([c.update(legacy.phone, 'utf8'), c.final()]);
    await prisma.iamAccount.update({
      where: { id: legacy.accountId },
      data: {
        phoneCipher: [
          'v1',
          'k1',
          iv.toString('base64url'),
          c.getAuthTag().toString('base64url'),
          data.toString('base64url'),
        ].join('.'),
      },
    });
    await a.app.close();

    // The new key becomes current; the old one is kept for reading until the rows are rewritten.
    // Batches of 2 rows: the run takes several transactions.
    t = await startTestApp(
      {
        IAM_PII_KEY_ID: 'k2',
        IAM_PII_ENCRYPTION_KEY: K2.toString('base64'),
        IAM_PII_PREVIOUS_KEYS: `k1:${K1.toString('base64')}`,
        IAM_PII_REENCRYPT_BATCH_SIZE: '2',
      },
      te,
    );
    const pii = t.app.get(PiiReencryption);
    await eventually(
      () => pii.pending(),
      (n) => n === 0,
      { what: 'background re-encryption done' },
    );

    const db = t.app.get(PrismaService);
    const accounts = await db.iamAccount.findMany();
    const roster = await db.iamOfficerRoster.findMany();
    const grants = await db.iamAdminGrant.findMany();
    expect(accounts).toHaveLength(5);
    expect(roster).toHaveLength(1);
    expect(grants).toHaveLength(1);
    // Readable with the new key alone: nothing depends on k1 any more.
    const onlyK2 = new PiiCipher({
      currentKid: 'k2',
      keys: new Map([['k2', K2]]),
      hmacKey: devKey('pii-hmac'),
    });
    for (const p of people) {
      const row = accounts.find((r) => r.id === p.accountId)!;
      expect(row.piiKeyId).toBe('k2');
      expect(row.emailCipher).toMatch(/^v2\.k2\./);
      expect(row.phoneCipher).toMatch(/^v2\.k2\./);
      expect(
        onlyK2.decrypt(row.emailCipher, { table: 'iam_account', column: 'email_cipher', row: row.id }),
      ).toBe(`${p.login}@dev.heyblue.test`);
      expect(
        onlyK2.decrypt(row.phoneCipher!, { table: 'iam_account', column: 'phone_cipher', row: row.id }),
      ).toBe(p.phone);
      // Bound to its row: another account's id does not open it.
      expect(() =>
        onlyK2.decrypt(row.phoneCipher!, {
          table: 'iam_account',
          column: 'phone_cipher',
          row: people.find((q) => q !== p)!.accountId,
        }),
      ).toThrow();
      // And the application reads it.
      const me = await api(t, 'GET', '/me', { token: p.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.account.phone).toBe(maskPhone(p.phone));
    }
    for (const [rows, table] of [
      [roster, 'iam_officer_roster'],
      [grants, 'iam_admin_grant'],
    ] as const) {
      for (const r of rows) {
        expect(r.piiKeyId).toBe('k2');
        expect(onlyK2.decrypt(r.emailCipher, { table, column: 'email_cipher', row: r.emailHash })).toMatch(
          /@dev\.heyblue\.test$/,
        );
      }
    }
    // A second run finds nothing to do.
    expect((await pii.run()).rows).toBe(0);
  });
});
