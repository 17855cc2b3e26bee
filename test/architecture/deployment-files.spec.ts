import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { REQUIRED_KEYS } from '../../libs/platform/src/config/environment.js';

const exampleVars = new Set(
  [...readFileSync('.env.example', 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]),
);

describe('deployment files', () => {
  it('docker-compose.yml parses and only sets variables that .env.example documents', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string>; image?: string; build?: string }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis']);
    const apiEnv = compose.services.api!.environment!;
    expect(Object.keys(apiEnv).length).toBeGreaterThan(3);
    for (const name of Object.keys(apiEnv)) expect(exampleVars).toContain(name);
    for (const required of ['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'PORT'])
      expect(apiEnv).toHaveProperty(required);
    // The plain file is the local development stack (test/deploy/compose.e2e-spec.ts runs it);
    // docker-compose.prod.yml turns development mode off and reads every key from a secret file.
    expect(apiEnv).toMatchObject({ NODE_ENV: 'development', HEYBLUE_DEV_MODE: 'true' });
    expect(compose.services.migrate!.environment).toEqual(apiEnv);
    const prod = parse(readFileSync('docker-compose.prod.yml', 'utf8'), { merge: true }) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    const prodEnv = prod.services.api!.environment;
    expect(prodEnv).toMatchObject({ NODE_ENV: 'production', HEYBLUE_DEV_MODE: 'false' });
    for (const name of Object.keys(prodEnv)) expect(exampleVars).toContain(name.replace(/_FILE$/, ''));
    for (const key of [...REQUIRED_KEYS, 'OIDC_PROVIDERS']) {
      expect(prodEnv[`${key}_FILE`]).toMatch(/^\/run\/secrets\//);
    }
  });

  it('Dockerfile is multi-stage, installs production dependencies only for runtime and runs as non-root', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    expect(stages).toEqual(['build', 'prod-deps', 'runtime']);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/npm (ci|install)(?!.*--omit=dev)/);
    // The same V8 heap budget as `npm run start:prod` (and the Helm chart, see test/deploy/helm.spec.ts).
    const startProd = (
      JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }
    ).scripts['start:prod']!;
    expect(startProd).toMatch(
      /^node --max-old-space-size=\d+ --max-semi-space-size=\d+ --no-allocation-site-pretenuring dist\/apps\/api\/src\/main\.js$/,
    );
    expect(runtime).toMatch(
      new RegExp(
        `^CMD ${JSON.stringify(startProd.split(' ')).replace(/[[\]]/g, '\\$&').replace(/,/g, ', ')}$`,
        'm',
      ),
    );
  });
});
