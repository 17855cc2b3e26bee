import { ApiParam } from '@nestjs/swagger';

/** Documents a path parameter the route parses with `ParseUUIDPipe` (or `@IsUUID()`): 36 characters at most. */
export const ApiUuidParam = (name = 'id', description?: string) =>
  ApiParam({ name, description, schema: { type: 'string', format: 'uuid', maxLength: 36 } });
