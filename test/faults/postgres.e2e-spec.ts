import { randomUUID } from 'node:crypto';
import { PrismaService } from '@heyblue/platform';
import { csv, finished, upload } from '../etl/etl-support.js';
import { earn, givenOffer } from '../rewards/rewards-fixtures.js';
import { undelivered } from '../scale/cluster-support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, given, type SignedIn } from '../support/given.js';
import { eventually } from '../support/poll.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';

const ETL_ROWS = 400;

describe('faults: PostgreSQL cut during redemptions and an ETL job', () => {
  let proxy: TcpProxy;
  let te: TestEnv;
  let t: TestApp;
  let citizen: SignedIn;
  let admin: SignedIn;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    proxy = await new TcpProxy('127.0.0.1', 5432).start();
    te = await createTestEnv();
    const proxied = new URL(te.databaseUrl);
    proxied.port = String(proxy.port);
    t = await startTestApp(
      {
        DATABASE_URL: proxied.toString(),
        ETL_BATCH_SIZE: '10',
        ETL_BATCH_PAUSE_MS: '30',
        // Consumers retry for ~8 s (500 ms doubling, 5 attempts): longer than the cut, as the 1 s default is.
        EVENT_BACKOFF_MS: '500',
        // One connection pays for every redemption below (one event burst instead of ten).
        REWARDS_POINTS_PER_CONNECTION_CITIZEN: '200',
      },
      te,
    );
    citizen = await given.citizen(t);
    admin = await given.admin(t);
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    proxy?.restore();
    await t?.close();
    await proxy?.stop();
    await te?.drop();
  });

  it('answers 503 while the database is away, keeps the ledger whole, and the ETL job and outbox carry on afterwards', async () => {
    const prisma = t.app.get(PrismaService);
    await earn(t, citizen.accountId, 1);
    const { offerId } = await givenOffer(t, { pointsCost: 1 });
    const rows = Array.from({ length: ETL_ROWS }, (_, i) => [
      `pg-${i}`,
      `Shop ${i}`,
      'https://s.example.com',
      `p${i}@s.example`,
      '10001',
    ]);
    const up = await upload(t, admin.accessToken, {
      kind: 'retailers',
      content: csv([['external_id', 'name', 'website', 'contact_email', 'zip'], ...rows]),
    });
    expect(up.status).toBe(202);

    // Redemptions from two clients, each with its own Idempotency-Key, until stopped.
    const answers: Array<{ key: string; status: number; code?: string; type: string | null }> = [];
    let running = true;
    const redeemer = async () => {
      while (running) {
        const key = randomUUID();
        const res = await api(t, 'POST', '/rewards/redemptions', {
          token: citizen.accessToken,
          body: { offerId },
          headers: { 'idempotency-key': key },
        });
        answers.push({
          key,
          status: res.status,
          code: res.body?.code,
          type: res.headers.get('content-type'),
        });
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const clients = [redeemer(), redeemer()];
    try {
      await eventually(
        () => prisma.etlJob.findUniqueOrThrow({ where: { id: up.body.jobId } }),
        (j) => j.committedRows >= 20,
        { what: 'ETL under way' },
      );
      await eventually(
        () => answers.filter((a) => a.status === 201).length,
        (n) => n >= 3,
        { what: 'redemptions before the cut' },
      );

      proxy.cut();
      const cutAt = answers.length;
      await eventually(
        () => answers.slice(cutAt).filter((a) => a.status === 503).length,
        (n) => n >= 3,
        { timeoutMs: 20_000, what: '503s during the cut' },
      );
      const ready = await api(t, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.details.postgres.status).toBe('down');
      proxy.restore();
      const restoredAt = answers.length;
      await eventually(
        () => answers.slice(restoredAt).filter((a) => a.status === 201).length,
        (n) => n >= 3,
        { timeoutMs: 30_000, what: 'redemptions after the cut' },
      );
    } finally {
      running = false;
      await Promise.all(clients);
    }

    // Clean failures: 503 problem+json, nothing else.
    const failed = answers.filter((a) => a.status !== 201);
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(
      failed.filter(
        (a) =>
          !(
            a.status === 503 &&
            a.code === 'SERVICE_UNAVAILABLE' &&
            a.type?.startsWith('application/problem+json')
          ),
      ),
    ).toEqual([]);
    // A client retries a 503 with its key: exactly one voucher per key, whether or not the first try had committed.
    for (const a of failed) {
      const again = await api(t, 'POST', '/rewards/redemptions', {
        token: citizen.accessToken,
        body: { offerId },
        headers: { 'idempotency-key': a.key },
      });
      expect(again.status).toBe(201);
    }
    const vouchers = await prisma.rewardsVoucher.findMany({ where: { accountId: citizen.accountId } });
    expect(vouchers).toHaveLength(answers.length);
    const entries = await prisma.rewardsLedgerEntry.findMany({ where: { accountId: citizen.accountId } });
    const redemptions = entries.filter((e) => e.reason === 'redemption');
    expect(redemptions).toHaveLength(vouchers.length);
    expect(new Set(vouchers.map((v) => v.ledgerEntryId))).toEqual(new Set(redemptions.map((e) => e.id)));
    const ledger = entries.reduce((sum, e) => sum + e.delta, 0);
    expect((await api(t, 'GET', '/rewards/balance', { token: citizen.accessToken })).body.balance).toBe(
      ledger,
    );

    // The ETL job resumed and finished with every row once; the outbox delivered everything.
    const job = await finished(t, admin.accessToken, up.body.jobId);
    expect(job).toMatchObject({ status: 'done', rowsTotal: ETL_ROWS, rowsOk: ETL_ROWS, rowsFailed: 0 });
    expect(await prisma.rewardsRetailer.count({ where: { externalId: { startsWith: 'pg-' } } })).toBe(
      ETL_ROWS,
    );
    expect(await undelivered(t)).toEqual([]);
    const profile = await prisma.profile.findUniqueOrThrow({ where: { id: citizen.accountId } });
    expect(profile.pointsBalance).toBe(ledger);
    expect(unhandled).toEqual([]);
  }, 120_000);
});
