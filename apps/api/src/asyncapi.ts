import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from '@nestjs/common';
import { parse } from 'yaml';
import { projectRoot } from './ops/paths.js';

/** Where the AsyncAPI document is served (beside Swagger's `/api/docs`, outside the versioned prefix); `.json` for JSON. */
export const ASYNCAPI_PATH = '/api/asyncapi';

/**
 * Serves `docs/asyncapi.yaml` (socket.io messages and integration events) as it is in the
 * repository, read once at boot: verbatim at `/api/asyncapi`, converted at `/api/asyncapi.json`. An image built without the file logs a
 * warning and answers 404 there instead of failing to start.
 */
export function serveAsyncApi(app: NestFastifyApplication): void {
  const file = join(projectRoot(), 'docs', 'asyncapi.yaml');
  if (!existsSync(file)) {
    new Logger('AsyncApi').warn(`${file} not found: ${ASYNCAPI_PATH} is not served`);
    return;
  }
  const yaml = readFileSync(file, 'utf8');
  const json = JSON.stringify(parse(yaml));
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get(ASYNCAPI_PATH, (_request, reply) => {
    void reply
      .header('cache-control', 'public, max-age=300')
      .type('application/yaml; charset=utf-8')
      .send(yaml);
  });
  fastify.get(`${ASYNCAPI_PATH}.json`, (_request, reply) => {
    void reply
      .header('cache-control', 'public, max-age=300')
      .type('application/json; charset=utf-8')
      .send(json);
  });
}
