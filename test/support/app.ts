import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppOptions } from '../../apps/api/src/app.module.js';
import { createApp } from '../../apps/api/src/bootstrap.js';
import { createTestEnv, type TestEnv } from './test-env.js';

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  testEnv: TestEnv;
  close(): Promise<void>;
}

/** Boots the real application (real PostgreSQL, Redis, bull, socket.io) on a free port. */
export async function startTestApp(
  overrides: Record<string, string> = {},
  testEnv?: TestEnv,
  extraModules: AppOptions['extraModules'] = [],
): Promise<TestApp> {
  const te = testEnv ?? (await createTestEnv(overrides));
  const app = await createApp({
    env: { ...te.env, ...overrides, PORT: '0', HOST: '127.0.0.1' },
    extraModules,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    testEnv: te,
    async close() {
      await app.close();
      if (!testEnv) await te.drop();
    },
  };
}
