import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ValidationFailed } from './domain-error.js';

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Where a string holds a NUL character (PostgreSQL text cannot store one: the query would fail with a 500). */
export function nulCharacterAt(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 8) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nulCharacterAt(item, path ? `${path}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Refuses NUL characters in any body, query or path value (also where no DTO validates it), then validates. */
class KernelValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const field = nulCharacterAt(value, metadata.data ?? '');
      if (field !== undefined)
        throw new ValidationFailed([
          {
            field: field || metadata.type,
            message: `${field || metadata.type} must not contain NUL characters`,
          },
        ]);
    }
    return super.transform(value, metadata);
  }
}

/** The one validation pipe: class-validator DTOs, unknown properties rejected, NUL characters refused, problem+json field errors. */
export function createValidationPipe(): ValidationPipe {
  return new KernelValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailed(flatten(errors)),
  });
}
