import { readFileSync } from 'node:fs';
import { Environment, validateEnvironment } from './environment.js';

const BASE = { DATABASE_URL: 'postgresql://u@localhost/db', REDIS_URL: 'redis://localhost:6379' };

describe('environment validation', () => {
  it('accepts the minimum and fills documented defaults', () => {
    const env = validateEnvironment(BASE);
    expect(env).toMatchObject({ NODE_ENV: 'development', PORT: 3000, HEYBLUE_DEV_MODE: false, REDIS_PREFIX: 'heyblue', OUTBOX_RELAY_ENABLED: true });
    expect(env).toMatchObject({ DATABASE_STATEMENT_CACHE: 500, ETL_BATCH_SIZE: 2_000, SHUTDOWN_DRAIN_MS: 10_000 });
    expect(validateEnvironment({ ...BASE, DATABASE_STATEMENT_CACHE: '0' }).DATABASE_STATEMENT_CACHE).toBe(0);
  });

  it('converts numbers and booleans from strings', () => {
    const env = validateEnvironment({ ...BASE, PORT: '8080', HEYBLUE_DEV_MODE: 'true', OUTBOX_RELAY_ENABLED: 'false' });
    expect(env.PORT).toBe(8080);
    expect(env.HEYBLUE_DEV_MODE).toBe(true);
    expect(env.OUTBOX_RELAY_ENABLED).toBe(false);
  });

  it('names every missing or malformed variable in one error', () => {
    expect(() => validateEnvironment({ PORT: 'eighty', REDIS_URL: 'http://nope' })).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/DATABASE_URL[\s\S]*REDIS_URL|REDIS_URL[\s\S]*DATABASE_URL/) }),
    );
    expect(() => validateEnvironment({ ...BASE, PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => validateEnvironment({ ...BASE, NODE_ENV: 'staging' })).toThrow(/NODE_ENV/);
    expect(() => validateEnvironment({ ...BASE, RATE_LIMITS: 'otp=lots' })).toThrow(/RATE_LIMITS/);
    for (const bad of ['-1', 'many', '10001'])
      expect(() => validateEnvironment({ ...BASE, DATABASE_STATEMENT_CACHE: bad })).toThrow(/DATABASE_STATEMENT_CACHE/);
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

  it('refuses development mode in production', () => {
    expect(() => validateEnvironment({ ...BASE, NODE_ENV: 'production', HEYBLUE_DEV_MODE: 'true' })).toThrow(/HEYBLUE_DEV_MODE.*production/);
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
      expect({ variable: line.split('=')[0], above: lines[j] }).toEqual({ variable: line.split('=')[0], above: expect.stringMatching(/^#/) });
    });
  });
});
