import { createHash } from 'node:crypto';
import { PrismaService } from '@heyblue/platform';
import { startTestApp, type TestApp } from '../support/app.js';
import { CLI_TEST_TIMEOUT_MS, runCli } from '../support/cli.js';
import { api } from '../support/given.js';

/** The ops CLI against the test app's database and Redis. */
const cli = (t: TestApp, args: string[]) => runCli(t.testEnv.env, args);

describe('rewards ops CLI: db:seed and retailer:key', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it(
    'seeds the demo catalogue idempotently',
    async () => {
      const first = await cli(t, ['db:seed']);
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/rewards: 3 retailers, 3 offers, 1 municipality, 1 scheme, 2 charities/);
      const prisma = t.app.get(PrismaService);
      const count = async () => [
        await prisma.rewardsRetailer.count(),
        await prisma.rewardsOffer.count(),
        await prisma.rewardsCharity.count(),
        await prisma.rewardsScheme.count(),
      ];
      const after = await count();
      expect((await cli(t, ['db:seed'])).code).toBe(0);
      expect(await count()).toEqual(after);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'retailer:key prints a key that authenticates that retailer and is stored only hashed',
    async () => {
      const res = await cli(t, ['retailer:key', '--retailer', 'demo-retailer-coffee']);
      expect(res.code).toBe(0);
      // The last line (Nest may log the development-key warning before it).
      const key = res.out.trim().split('\n').pop()!;
      expect(key).toMatch(/^hbr_[A-Za-z0-9_-]{43}$/);
      const stored = await t.app.get(PrismaService).rewardsRetailerKey.findMany();
      expect(stored.map((k) => k.keyHash)).toContain(createHash('sha256').update(key).digest('hex'));
      expect(JSON.stringify(stored)).not.toContain(key);
      // Authenticated (404 for an unknown voucher) rather than refused (401).
      expect(
        (
          await api(t, 'POST', '/vouchers/verify', {
            body: { code: 'UNKNOWN' },
            headers: { 'x-retailer-key': key },
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await api(t, 'POST', '/vouchers/verify', {
            body: { code: 'UNKNOWN' },
            headers: { 'x-retailer-key': `${key}x` },
          })
        ).status,
      ).toBe(401);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'retailer:key fails for an unknown retailer',
    async () => {
      const res = await cli(t, ['retailer:key', '--retailer', 'no-such-retailer']);
      expect(res.code).toBe(1);
      expect(res.err).toMatch(/Retailer not found/);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
