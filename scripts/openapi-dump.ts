// Writes the OpenAPI document the API serves at /api/docs-json to the file named by argv[2]
// (stdout without one). The app is wired but never started: no database, Redis or port is used.
import { writeFileSync } from 'node:fs';
import { buildOpenApi, createApp } from '../apps/api/src/bootstrap.js';

const app = await createApp({
  env: {
    HEYBLUE_DEV_MODE: 'true',
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: 'postgresql://openapi@127.0.0.1:1/openapi',
    REDIS_URL: 'redis://127.0.0.1:1',
  },
});
const json = JSON.stringify(buildOpenApi(app), null, 2);
if (process.argv[2]) writeFileSync(process.argv[2], json);
else process.stdout.write(json);
await app.close();
process.exit(0);
