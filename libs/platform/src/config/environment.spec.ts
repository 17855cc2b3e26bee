import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Environment, REQUIRED_KEYS, secretVariables, validateEnvironment } from './environment.js';

const key32 = () => randomBytes(32).toString('base64');
/** The server's own keys: without them only development mode starts. */
const KEYS = {
  IAM_PII_ENCRYPTION_KEY: key32(),
  IAM_PII_HMAC_KEY: key32(),
  REPORTING_PSEUDONYM_KEY: key32(),
  VOUCHER_KEY_ENCRYPTION_KEY: key32(),
};
const BASE = { DATABASE_URL: 'postgresql://u@localhost/db', REDIS_URL: 'redis://localhost:6379', ...KEYS };
const withoutKeys = () => ({ DATABASE_URL: BASE.DATABASE_URL, REDIS_URL: BASE.REDIS_URL });

describe('environment validation', () => {
  it('accepts the minimum and fills documented defaults', () => {
    const env = validateEnvironment(BASE);
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HEYBLUE_DEV_MODE: false,
      REDIS_PREFIX: 'heyblue',
      OUTBOX_RELAY_ENABLED: true,
    });
    expect(env).toMatchObject({
      DATABASE_STATEMENT_CACHE: 500,
      ETL_BATCH_SIZE: 2_000,
      SHUTDOWN_DRAIN_MS: 10_000,
    });
    expect(validateEnvironment({ ...BASE, DATABASE_STATEMENT_CACHE: '0' }).DATABASE_STATEMENT_CACHE).toBe(0);
  });

  it('converts numbers and booleans from strings', () => {
    const env = validateEnvironment({
      ...BASE,
      PORT: '8080',
      HEYBLUE_DEV_MODE: 'true',
      OUTBOX_RELAY_ENABLED: 'false',
    });
    expect(env.PORT).toBe(8080);
    expect(env.HEYBLUE_DEV_MODE).toBe(true);
    expect(env.OUTBOX_RELAY_ENABLED).toBe(false);
  });

  it('names every missing or malformed variable in one error', () => {
    expect(() => validateEnvironment({ PORT: 'eighty', REDIS_URL: 'http://nope' })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/DATABASE_URL[\s\S]*REDIS_URL|REDIS_URL[\s\S]*DATABASE_URL/),
      }),
    );
    expect(() => validateEnvironment({ ...BASE, PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => validateEnvironment({ ...BASE, NODE_ENV: 'staging' })).toThrow(/NODE_ENV/);
    expect(() => validateEnvironment({ ...BASE, RATE_LIMITS: 'otp=lots' })).toThrow(/RATE_LIMITS/);
    for (const bad of ['-1', 'many', '10001'])
      expect(() => validateEnvironment({ ...BASE, DATABASE_STATEMENT_CACHE: bad })).toThrow(
        /DATABASE_STATEMENT_CACHE/,
      );
    for (const bad of ['0', '10001'])
      expect(() => validateEnvironment({ ...BASE, ETL_BATCH_SIZE: bad })).toThrow(/ETL_BATCH_SIZE/);
    for (const bad of ['-1', 'soon', '600001'])
      expect(() => validateEnvironment({ ...BASE, SHUTDOWN_DRAIN_MS: bad })).toThrow(/SHUTDOWN_DRAIN_MS/);
  });

  it('treats empty values (NAME= in a .env file) as unset', () => {
    const env = validateEnvironment({ ...BASE, PUBLIC_BASE_URL: '', PORT: '', REDIS_PREFIX: '' });
    expect(env.PUBLIC_BASE_URL).toBeUndefined();
    expect(env.PORT).toBe(3000);
    expect(env.REDIS_PREFIX).toBe('heyblue');
  });

  it('publishes to RabbitMQ only with an amqp(s):// AMQP_URL, to a named exchange', () => {
    const off = validateEnvironment({ ...BASE, AMQP_URL: '' });
    expect(off.AMQP_URL).toBeUndefined();
    expect(off.AMQP_EXCHANGE).toBe('heyblue.events');
    const on = validateEnvironment({
      ...BASE,
      AMQP_URL: 'amqps://u:p@mq.example:5671/prod',
      AMQP_EXCHANGE: 'hb.events',
    });
    expect(on).toMatchObject({ AMQP_URL: 'amqps://u:p@mq.example:5671/prod', AMQP_EXCHANGE: 'hb.events' });
    expect(() => validateEnvironment({ ...BASE, AMQP_URL: 'http://mq.example' })).toThrow(/AMQP_URL/);
    expect(() => validateEnvironment({ ...BASE, AMQP_EXCHANGE: 'has space' })).toThrow(/AMQP_EXCHANGE/);
    expect(secretVariables()).toContain('AMQP_URL');
  });

  it('spaces relay passes by OUTBOX_COALESCE_MS: 10 by default, 0 to 1000 ms, nothing else', () => {
    expect(validateEnvironment({ ...BASE }).OUTBOX_COALESCE_MS).toBe(10);
    expect(validateEnvironment({ ...BASE, OUTBOX_COALESCE_MS: '0' }).OUTBOX_COALESCE_MS).toBe(0);
    expect(validateEnvironment({ ...BASE, OUTBOX_COALESCE_MS: '250' }).OUTBOX_COALESCE_MS).toBe(250);
    for (const bad of ['-1', '1001', 'soon', '1.5'])
      expect(() => validateEnvironment({ ...BASE, OUTBOX_COALESCE_MS: bad })).toThrow(/OUTBOX_COALESCE_MS/);
  });

  it('refuses development mode in production', () => {
    expect(() => validateEnvironment({ ...BASE, NODE_ENV: 'production', HEYBLUE_DEV_MODE: 'true' })).toThrow(
      /HEYBLUE_DEV_MODE.*production/,
    );
  });

  it('refuses to start without its own keys outside development mode, whatever NODE_ENV says', () => {
    for (const NODE_ENV of [undefined, 'development', 'test', 'production']) {
      const raw = { ...withoutKeys(), ...(NODE_ENV ? { NODE_ENV } : {}) };
      let message = '';
      try {
        validateEnvironment(raw);
      } catch (err) {
        message = (err as Error).message;
      }
      for (const name of REQUIRED_KEYS) expect(message).toContain(`${name}: required`);
    }
    for (const name of REQUIRED_KEYS) {
      const { [name]: _left, ...rest } = BASE;
      expect(() => validateEnvironment(rest)).toThrow(new RegExp(`${name}: required`));
    }
    expect(validateEnvironment({ ...withoutKeys(), HEYBLUE_DEV_MODE: 'true' }).HEYBLUE_DEV_MODE).toBe(true);
    // db:migrate never touches the keys, so it is not handed them.
    expect(validateEnvironment(withoutKeys(), { requireKeys: false }).DATABASE_URL).toBe(BASE.DATABASE_URL);
  });

  it('refuses an unsigned social webhook in production', () => {
    const twilio = {
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'a-real-looking-auth-token',
      TWILIO_VERIFY_SERVICE_SID: `VA${'0'.repeat(32)}`,
    };
    const oidc = {
      OIDC_PROVIDERS: JSON.stringify([
        { id: 'acme', name: 'Acme ID', issuer: 'https://id.acme.example', clientId: 'heyblue' },
      ]),
    };
    const hook = { SOCIAL_WEBHOOK_URL: 'https://hooks.example/heyblue', ...twilio, ...oidc };
    expect(() => validateEnvironment({ ...BASE, ...hook, NODE_ENV: 'production' })).toThrow(
      /SOCIAL_WEBHOOK_SECRET: required in production/,
    );
    expect(
      validateEnvironment({ ...BASE, ...hook, NODE_ENV: 'production', SOCIAL_WEBHOOK_SECRET: 's3cret' })
        .SOCIAL_WEBHOOK_SECRET,
    ).toBe('s3cret');
    expect(validateEnvironment({ ...BASE, ...hook }).SOCIAL_WEBHOOK_URL).toBe(hook.SOCIAL_WEBHOOK_URL);
  });

  it('refuses production without an OpenID provider (nobody could sign in), in the variable or its file', () => {
    const twilio = {
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'a-real-looking-auth-token',
      TWILIO_VERIFY_SERVICE_SID: `VA${'0'.repeat(32)}`,
    };
    const prod = { ...BASE, ...twilio, NODE_ENV: 'production' };
    expect(() => validateEnvironment(prod)).toThrow(
      /OIDC_PROVIDERS: at least one OpenID provider is required in production/,
    );
    expect(() => validateEnvironment({ ...prod, OIDC_PROVIDERS: ' [ ] ' })).toThrow(
      /OIDC_PROVIDERS: at least one/,
    );
    const providers = JSON.stringify([
      { id: 'acme', name: 'Acme ID', issuer: 'https://id.acme.example', clientId: 'heyblue' },
    ]);
    expect(validateEnvironment({ ...prod, OIDC_PROVIDERS: providers }).OIDC_PROVIDERS).toBe(providers);
    const dir = mkdtempSync(join(tmpdir(), 'heyblue-oidc-'));
    try {
      writeFileSync(join(dir, 'providers'), providers);
      expect(
        validateEnvironment({ ...prod, OIDC_PROVIDERS_FILE: join(dir, 'providers') }).OIDC_PROVIDERS,
      ).toBe(providers);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Outside production an empty list is fine (development mode adds its own provider).
    expect(validateEnvironment(BASE).OIDC_PROVIDERS).toBe('[]');
  });

  it('trusts no proxy unless told', () => {
    expect(validateEnvironment(BASE).TRUST_PROXY).toBe('');
    expect(validateEnvironment({ ...BASE, TRUST_PROXY: '10.0.0.0/8, loopback' }).TRUST_PROXY).toBe(
      '10.0.0.0/8, loopback',
    );
    expect(() => validateEnvironment({ ...BASE, TRUST_PROXY: 'everyone!' })).toThrow(/TRUST_PROXY/);
  });

  describe('secrets from files (<NAME>_FILE)', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'heyblue-secrets-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, content: string) => {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    };

    it('reads every secret variable from its file, without the trailing line break', () => {
      const raw: Record<string, string> = { ...withoutKeys() };
      for (const [name, value] of Object.entries(KEYS)) raw[`${name}_FILE`] = file(name, `${value}\n`);
      raw.DATABASE_URL_FILE = file('db', 'postgresql://secret@db/heyblue\n');
      delete raw.DATABASE_URL;
      raw.SOCIAL_WEBHOOK_SECRET_FILE = file('hook', 'shh');
      const env = validateEnvironment(raw);
      expect(env).toMatchObject({
        ...KEYS,
        DATABASE_URL: 'postgresql://secret@db/heyblue',
        SOCIAL_WEBHOOK_SECRET: 'shh',
      });
      expect(env).not.toHaveProperty('DATABASE_URL_FILE');
    });

    it('covers the keys, credentials and tokens, and not ordinary settings', () => {
      expect(secretVariables()).toEqual(
        expect.arrayContaining([
          ...REQUIRED_KEYS,
          'DATABASE_URL',
          'REDIS_URL',
          'OIDC_PROVIDERS',
          'TWILIO_AUTH_TOKEN',
          'SOCIAL_WEBHOOK_SECRET',
        ]),
      );
      expect(secretVariables()).not.toContain('PORT');
      expect(validateEnvironment({ ...BASE, PORT_FILE: file('port', '1') }).PORT).toBe(3000);
    });

    it('refuses a secret given twice, or a file it cannot read, naming the variable and not the value', () => {
      expect(() =>
        validateEnvironment({ ...BASE, IAM_PII_HMAC_KEY_FILE: file('twice', KEYS.IAM_PII_HMAC_KEY) }),
      ).toThrow(/IAM_PII_HMAC_KEY_FILE: set either/);
      const { IAM_PII_HMAC_KEY: _k, ...rest } = BASE;
      expect(() => validateEnvironment({ ...rest, IAM_PII_HMAC_KEY_FILE: join(dir, 'missing') })).toThrow(
        /IAM_PII_HMAC_KEY_FILE: cannot read the file \(ENOENT\)/,
      );
      const bad = file('bad', 'not-a-key\n');
      expect(() => validateEnvironment({ ...rest, IAM_PII_HMAC_KEY_FILE: bad })).toThrow(
        /IAM_PII_HMAC_KEY must be base64 of 32 bytes/,
      );
    });
  });

  it('.env.example documents every variable the server reads, and nothing else', () => {
    const example = readFileSync('.env.example', 'utf8');
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
    const declared = Object.keys(new Environment()).concat(['DATABASE_URL', 'REDIS_URL']);
    expect([...new Set(documented)]).toEqual([...new Set(declared)].sort());
    // Every variable (or group of variables) has a comment right above it.
    const lines = example.split('\n');
    const isVar = (l: string | undefined) => /^[A-Z][A-Z0-9_]*=/.test(l ?? '');
    lines.forEach((line, i) => {
      if (!isVar(line)) return;
      let j = i - 1;
      while (isVar(lines[j])) j -= 1;
      expect({ variable: line.split('=')[0], above: lines[j] }).toEqual({
        variable: line.split('=')[0],
        above: expect.stringMatching(/^#/),
      });
    });
  });
});
