import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A local PostgreSQL streaming replica of the test server (`pg_basebackup -R` into a data
 * directory of its own, started with the server's own binaries on a spare port), for the tests
 * of DATABASE_REPLICA_URLS. A physical replica carries every database of the primary, so the
 * databases tests create (test-env.ts) appear on it by themselves.
 *
 * As with the Redis Cluster (redis-cluster.ts): the server is a daemon that outlives Jest's global
 * setup; each run keeps its data directory under a directory named after the owning process, and
 * every start first removes the replicas (and replication slots) of runs whose owner died. A
 * physical replication slot keeps the WAL the replica still needs while a test has it stopped
 * (other sessions' CREATE DATABASE writes whole segments of WAL).
 */
export interface LocalPgReplica {
  port: number;
  dir: string;
  /** The replica's URL for one database (the same name as on the primary). */
  url(database: string): string;
  /** Stops the server (fast shutdown: sessions are ended); the data directory stays. */
  stop(): void;
  start(): void;
}

interface ReplicaMeta {
  port: number;
  slot: string;
  bin: string;
  primary: string;
}

const ROOT = join(tmpdir(), 'heyblue-test-pg-replica');
const HOST = '127.0.0.1';
const REPLICATION_RULE = 'host replication all 127.0.0.1/32 trust';

function primaryAdminUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

async function onPrimary<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: primaryAdminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs a server binary as the `postgres` user when we are root (PostgreSQL refuses to run as root). */
function asPostgres(cmd: string, args: string[], timeout = 120_000): SpawnSyncReturns<string> {
  const [file, argv] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return spawnSync(file, argv, { encoding: 'utf8', timeout, cwd: tmpdir() });
}

/** The `postgres` user's ids when we are root (the files we write must be the server's), else null. */
function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

function must(r: SpawnSyncReturns<string>, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

function readMeta(dir: string): ReplicaMeta | null {
  const file = join(dir, 'replica.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ReplicaMeta) : null;
}

function pgCtl(meta: ReplicaMeta, dir: string, ...args: string[]): SpawnSyncReturns<string> {
  return asPostgres(join(meta.bin, 'pg_ctl'), ['-D', join(dir, 'data'), ...args]);
}

async function dropSlot(slot: string): Promise<void> {
  await onPrimary((c) =>
    c.query(
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
      [slot],
    ),
  ).catch(() => undefined);
}

/** Stops and removes one run's replica; `slot` is dropped once no walsender holds it. */
async function removeRun(dir: string): Promise<void> {
  const meta = readMeta(dir);
  if (meta && existsSync(join(dir, 'data', 'postmaster.pid')))
    pgCtl(meta, dir, '-m', 'immediate', '-w', 'stop');
  if (meta) await dropSlot(meta.slot);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Removes the replicas of every earlier run whose Jest process is gone, and their replication
 * slots (a slot nobody streams from keeps WAL on the primary for ever).
 */
async function reapOrphans(): Promise<void> {
  if (existsSync(ROOT)) {
    for (const run of readdirSync(ROOT)) {
      const owner = Number(run.split('-')[0]);
      if (owner > 0 && alive(owner) && owner !== process.pid) continue;
      await removeRun(join(ROOT, run));
    }
  }
  const slots = await onPrimary((c) =>
    c.query<{ slot_name: string }>(
      `SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'heyblue\\_test\\_replica\\_%' AND NOT active`,
    ),
  );
  for (const { slot_name: slot } of slots.rows) {
    const owner = Number(slot.split('_')[3]);
    if (!(owner > 0 && alive(owner) && owner !== process.pid)) await dropSlot(slot);
  }
}

/**
 * Lets 127.0.0.1 open replication connections to the primary (trust, as every local connection of
 * the test server): the line is appended to its pg_hba.conf once, and the server reloaded.
 */
async function allowReplication(): Promise<{ bin: string; settings: Record<string, string> }> {
  return onPrimary(async (c) => {
    const setting = async (name: string) =>
      (await c.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;
    const walLevel = await setting('wal_level');
    const senders = Number(await setting('max_wal_senders'));
    if (!['replica', 'logical'].includes(walLevel) || senders < 1)
      throw new Error(
        `the test server cannot stream to a replica: wal_level=${walLevel}, max_wal_senders=${senders}`,
      );
    const hba = await setting('hba_file');
    const rules = readFileSync(hba, 'utf8');
    if (!rules.split('\n').some((l) => l.trim().replace(/\s+/g, ' ') === REPLICATION_RULE)) {
      writeFileSync(hba, `${rules.replace(/\n?$/, '\n')}${REPLICATION_RULE}\n`);
      await c.query('SELECT pg_reload_conf()');
    }
    const major = Math.floor(Number(await setting('server_version_num')) / 10_000);
    // A hot standby needs at least the primary's values of these.
    const settings: Record<string, string> = {};
    for (const name of [
      'max_connections',
      'max_worker_processes',
      'max_wal_senders',
      'max_prepared_transactions',
      'max_locks_per_transaction',
    ])
      settings[name] = await setting(name);
    return { bin: `/usr/lib/postgresql/${major}/bin`, settings };
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`PostgreSQL replica: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function control(dir: string, meta: ReplicaMeta): LocalPgReplica {
  return {
    port: meta.port,
    dir,
    url: (database) => `postgresql://postgres@${HOST}:${meta.port}/${database}`,
    stop: () => must(pgCtl(meta, dir, '-m', 'fast', '-w', 'stop'), 'pg_ctl stop'),
    start: () =>
      must(pgCtl(meta, dir, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'), 'pg_ctl start'),
  };
}

/**
 * Makes and starts a streaming replica of the test server on a free port from `basePort`
 * (TEST_PG_REPLICA_PORT, default 5499), in recovery and in sync when this returns.
 */
export async function startPgReplica(options: { basePort?: number } = {}): Promise<LocalPgReplica> {
  await reapOrphans();
  const { bin, settings } = await allowReplication();
  const basePort = options.basePort ?? Number(process.env.TEST_PG_REPLICA_PORT ?? 5499);
  let port = 0;
  for (let p = basePort; p < basePort + 50 && !port; p++) if (await portFree(p)) port = p;
  if (!port) throw new Error(`no free port for a PostgreSQL replica from ${basePort}`);
  const dir = join(ROOT, `${process.pid}-${port}-${Date.now().toString(36)}`);
  const slot = `heyblue_test_replica_${process.pid}_${port}`;
  const meta: ReplicaMeta = { port, slot, bin, primary: primaryAdminUrl() };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'replica.json'), JSON.stringify(meta));
  try {
    const owner = postgresUser();
    if (owner) chownSync(dir, owner.uid, owner.gid);
    const primary = new URL(primaryAdminUrl());
    const basebackup = () =>
      asPostgres(join(bin, 'pg_basebackup'), [
        '-h',
        primary.hostname,
        '-p',
        primary.port || '5432',
        '-U',
        decodeURIComponent(primary.username || 'postgres'),
        '-D',
        join(dir, 'data'),
        '-R',
        '-X',
        'stream',
        '-C',
        '-S',
        slot,
        '--checkpoint=fast',
      ]);
    let copied = basebackup();
    // pg_reload_conf() only signals the server: the replication line may apply a moment later.
    for (let i = 0; i < 20 && copied.status !== 0 && /pg_hba\.conf/.test(copied.stderr); i++) {
      await new Promise((r) => setTimeout(r, 250));
      copied = basebackup();
    }
    must(copied, 'pg_basebackup');
    // Debian keeps the primary's configuration outside its data directory: the replica gets its own.
    const conf = [
      `port = ${port}`,
      `listen_addresses = '${HOST}'`,
      `unix_socket_directories = '${dir}'`,
      ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
      'shared_buffers = 32MB',
      'hot_standby = on',
      // Vacuum on the primary then never cancels a read running here.
      'hot_standby_feedback = on',
      'wal_receiver_status_interval = 1s',
      // A throwaway copy: durability buys nothing here.
      'fsync = off',
      "log_min_messages = 'warning'",
    ].join('\n');
    writeFileSync(join(dir, 'data', 'postgresql.conf'), `${conf}\n`);
    writeFileSync(join(dir, 'data', 'pg_hba.conf'), `local all all trust\nhost all all ${HOST}/32 trust\n`);
    if (owner)
      for (const f of ['postgresql.conf', 'pg_hba.conf'])
        chownSync(join(dir, 'data', f), owner.uid, owner.gid);
    const replica = control(dir, meta);
    replica.start();
    await until('the replica in recovery and streaming', async () => {
      const c = new pg.Client({ connectionString: replica.url('postgres') });
      await c.connect();
      try {
        const { rows } = await c.query<{ recovery: boolean; status: string | null }>(
          `SELECT pg_is_in_recovery() AS recovery, (SELECT status FROM pg_stat_wal_receiver) AS status`,
        );
        return rows[0]!.recovery && rows[0]!.status === 'streaming';
      } finally {
        await c.end();
      }
    });
    return replica;
  } catch (err) {
    await removeRun(dir);
    throw err;
  }
}

/** The replica a global setup started, from a test file or the teardown (which only know its directory). */
export function pgReplicaAt(dir: string): LocalPgReplica {
  const meta = readMeta(dir);
  if (!dir.startsWith(ROOT) || !meta) throw new Error(`no PostgreSQL replica at ${dir}`);
  return control(dir, meta);
}

/** Stops and removes the replica a run started, and drops its replication slot. */
export async function removePgReplicaAt(dir: string): Promise<void> {
  if (!dir.startsWith(ROOT) || !existsSync(dir)) return;
  await removeRun(dir);
}
