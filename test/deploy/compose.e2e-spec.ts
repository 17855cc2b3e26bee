import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import {
  assertTestDatabase,
  databaseUrl,
  randomId,
  REDIS_URL,
  runRedisPrefix,
  withAdmin,
} from '../support/databases.js';
import { eventually } from '../support/poll.js';

/**
 * docker compose cannot run here (no Docker engine), so this is the closest real thing: each
 * service's own entrypoint (the compose `command`, or the Dockerfile's CMD for `api`) run as a
 * process with exactly the environment the compose files give it. Only what Docker itself would
 * provide is translated: the service names `postgres` and `redis` become this machine's servers
 * (a fresh database and a key prefix of this run), /run/secrets/<name> becomes a folder of files,
 * and `dist/<path>.js` runs from its source `<path>.ts` (what `npm run build` compiles it from).
 */

type Service = {
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  [k: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
};
type Compose = { services: Record<string, Service>; secrets?: Record<string, { file: string }> };

const base = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as Compose;
const prodOverride = parse(readFileSync('docker-compose.prod.yml', 'utf8'), { merge: true }) as Compose;
const dockerCmd = JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))![1]!) as string[];
const migrationCount = readdirSync('prisma/migrations', { withFileTypes: true }).filter((d) =>
  d.isDirectory(),
).length;

/** `docker compose -f a -f b config`'s merge for what we use: environment maps and secrets lists. */
function merged(name: string, ...files: Compose[]): Service {
  const out: Service = {};
  for (const f of files) {
    const s = f.services[name];
    if (!s) continue;
    Object.assign(out, s, { environment: { ...out.environment, ...s.environment } });
  }
  return out;
}

/** Compose's `${VAR:?message}` and `${VAR:-default}` interpolation, from the given shell variables. */
function interpolate(env: Record<string, string>, shell: Record<string, string>): Record<string, string> {
  const one = (v: string) =>
    v.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
      const value = shell[name];
      if (value) return value;
      if (op === '?') throw new Error(`compose refuses: ${name}: ${arg}`);
      return op === '-' ? (arg ?? '') : '';
    });
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, one(String(v))]));
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Host {
  database: string;
  redisPrefix: string;
  port: number;
  secretsDir?: string;
}

/** What Docker's network and secrets would do, done to the compose environment. */
function onThisMachine(env: Record<string, string>, host: Host): Record<string, string> {
  const out = { ...env };
  const db = new URL(out.DATABASE_URL!);
  expect(db.hostname).toBe('postgres'); // the compose service name
  out.DATABASE_URL = databaseUrl(host.database);
  expect(new URL(out.REDIS_URL!).hostname).toBe('redis');
  out.REDIS_URL = REDIS_URL;
  out.REDIS_PREFIX = host.redisPrefix;
  out.PORT = String(host.port);
  out.HOST = '127.0.0.1';
  if (out.PUBLIC_BASE_URL?.startsWith('http://localhost:3000'))
    out.PUBLIC_BASE_URL = `http://127.0.0.1:${host.port}`;
  for (const [k, v] of Object.entries(out)) {
    if (k.endsWith('_FILE') && v.startsWith('/run/secrets/') && host.secretsDir)
      out[k] = join(host.secretsDir, v.slice('/run/secrets/'.length));
  }
  return out;
}

/** A service's entrypoint as a local process: `node [flags] dist/x.js args` → `node [flags] --import swc x.ts args`. */
function entrypoint(command: string[], env: Record<string, string>): ChildProcess {
  expect(command[0]).toBe('node');
  const args = command.slice(1).map((a) => a.replace(/^dist\/(.+)\.js$/, '$1.ts'));
  const script = args.findIndex((a) => a.endsWith('.ts'));
  expect(script).toBeGreaterThanOrEqual(0);
  args.splice(script, 0, '--import', '@swc-node/register/esm-register');
  // Nothing of this process's environment leaks in but PATH: the compose file must be enough.
  return spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function outcome(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null) child.kill('SIGTERM');
  await exited;
}

const key32 = () => randomBytes(32).toString('base64');

// Ceilings, not timings: each entrypoint compiles the app from source as it starts (a minute or
// more on a busy 2-core machine).
describe('docker compose services, run by their own entrypoints with the compose environment', () => {
  const run = process.env.HEYBLUE_TEST_RUN!;
  const database = `${run}_compose_${randomId()}`;
  const redisPrefix = `${runRedisPrefix(run)}_compose`;
  const secretsDir = mkdtempSync(join(tmpdir(), 'heyblue-compose-secrets-'));

  beforeAll(async () => {
    assertTestDatabase(database);
    // Empty, as the postgres service's volume is on a first `docker compose up`: migrate creates the tables.
    await withAdmin((c) => c.query(`CREATE DATABASE "${database}"`));
  });
  afterAll(async () => {
    rmSync(secretsDir, { recursive: true, force: true });
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  });

  it('lists the services a stack needs, with the API built from this repository', () => {
    expect(Object.keys(base.services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis']);
    expect(base.services.api!.build).toBe('.');
    expect(base.services.migrate!.command).toEqual(['node', 'dist/apps/api/src/cli.js', 'db:migrate']);
    expect(base.services.api!.command).toBeUndefined(); // the image's CMD
    expect(base.services.api!.depends_on.migrate.condition).toBe('service_completed_successfully');
  });

  it('development stack: migrate succeeds, then the API becomes ready with the dev provider and serves the dashboard', async () => {
    const port = await freePort();
    const migrate = merged('migrate', base);
    const migrated = await outcome(
      entrypoint(migrate.command!, onThisMachine(migrate.environment!, { database, redisPrefix, port })),
    );
    expect({ code: migrated.code, out: migrated.code === 0 ? '' : migrated.out }).toEqual({
      code: 0,
      out: '',
    });
    const db = new pg.Client({ connectionString: databaseUrl(database) });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL',
      );
      expect(Number(rows[0]!.n)).toBe(migrationCount);
    } finally {
      await db.end();
    }

    const api = merged('api', base);
    const child = entrypoint(dockerCmd, onThisMachine(api.environment!, { database, redisPrefix, port }));
    const exited = outcome(child);
    try {
      const url = `http://127.0.0.1:${port}`;
      const ready = await eventually(
        () => fetch(`${url}/api/v1/health/ready`).then((r) => r.status),
        (s) => s === 200,
        { timeoutMs: 300_000, intervalMs: 250, what: 'compose api ready' },
      );
      expect(ready).toBe(200);
      const providers = (await (await fetch(`${url}/api/v1/auth/providers`)).json()) as { id: string }[];
      expect(providers.map((p) => p.id)).toContain('dev');
      expect((await fetch(`${url}/dev/oidc/.well-known/openid-configuration`)).status).toBe(200);
      const admin = await fetch(`${url}/admin`);
      expect(admin.status).toBe(200);
      expect(await admin.text()).toMatch(/<div id="root"/);
    } finally {
      await stop(child, exited);
    }
  }, 480_000);

  it('production override: refuses to start without its secret files or an OpenID provider, starts with them', async () => {
    const shell = {
      PUBLIC_BASE_URL: 'https://api.heyblue.example',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_VERIFY_SERVICE_SID: `VA${'0'.repeat(32)}`,
    };
    // compose itself refuses to start the stack without the public address.
    expect(() => interpolate(merged('api', base, prodOverride).environment!, {})).toThrow(/PUBLIC_BASE_URL/);
    const env = interpolate(merged('api', base, prodOverride).environment!, shell);
    expect(env).toMatchObject({ NODE_ENV: 'production', HEYBLUE_DEV_MODE: 'false' });
    expect(merged('migrate', base, prodOverride).environment).toEqual(
      merged('api', base, prodOverride).environment,
    );
    const port = await freePort();
    const host = { database, redisPrefix, port, secretsDir };

    // No secret files at all: refused, naming what is missing, before anything listens.
    const missing = await outcome(entrypoint(dockerCmd, onThisMachine(env, host)));
    expect(missing.code).not.toBe(0);
    expect(missing.out).toMatch(/IAM_PII_ENCRYPTION_KEY_FILE: cannot read the file/);

    // Every secret the override lists, in the folder compose mounts; the provider list empty.
    const secretNames = prodOverride.services.api!.secrets!;
    expect(Object.keys(prodOverride.secrets!).sort()).toEqual([...secretNames].sort());
    const values: Record<string, string> = {
      iam_pii_encryption_key: key32(),
      iam_pii_hmac_key: key32(),
      reporting_pseudonym_key: key32(),
      voucher_key_encryption_key: key32(),
      oidc_providers: '[]',
      twilio_auth_token: randomBytes(16).toString('hex'),
    };
    expect(Object.keys(values).sort()).toEqual([...secretNames].sort());
    for (const [name, value] of Object.entries(values)) writeFileSync(join(secretsDir, name), `${value}\n`);
    const noProvider = await outcome(entrypoint(dockerCmd, onThisMachine(env, host)));
    expect(noProvider.code).not.toBe(0);
    expect(noProvider.out).toMatch(/OIDC_PROVIDERS: at least one OpenID provider is required in production/);

    writeFileSync(
      join(secretsDir, 'oidc_providers'),
      JSON.stringify([
        { id: 'acme', name: 'Acme ID', issuer: 'https://id.acme.example', clientId: 'heyblue' },
      ]),
    );
    const child = entrypoint(dockerCmd, onThisMachine(env, host));
    const exited = outcome(child);
    try {
      const url = `http://127.0.0.1:${port}`;
      await eventually(
        () => fetch(`${url}/api/v1/health/ready`).then((r) => r.status),
        (s) => s === 200,
        { timeoutMs: 300_000, intervalMs: 250, what: 'production api ready' },
      );
      expect(
        ((await (await fetch(`${url}/api/v1/auth/providers`)).json()) as { id: string }[]).map((p) => p.id),
      ).toEqual(['acme']);
      expect((await fetch(`${url}/dev/oidc/.well-known/openid-configuration`)).status).toBe(404);
    } finally {
      await stop(child, exited);
    }
  }, 900_000);
});
