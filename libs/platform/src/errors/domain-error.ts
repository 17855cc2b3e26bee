/** A broken business rule or refused request, carrying the stable problem `code` clients see. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 422,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Field-level validation failure (400 VALIDATION_FAILED). */
export class ValidationFailed extends DomainError {
  constructor(readonly errors: Array<{ field: string; message: string }>) {
    super('VALIDATION_FAILED', 'The request has invalid fields.', 400, { errors });
  }
}

export class NotFound extends DomainError {
  constructor(what = 'Resource', code = 'NOT_FOUND') {
    super(code, `${what} not found.`, 404);
  }
}

export class Conflict extends DomainError {
  constructor(code: string, message: string) {
    super(code, message, 409);
  }
}

export class Forbidden extends DomainError {
  constructor(code = 'FORBIDDEN', message = 'You are not allowed to do this.') {
    super(code, message, 403);
  }
}

export class Unauthorized extends DomainError {
  constructor(code = 'UNAUTHORIZED', message = 'A valid access token is required.') {
    super(code, message, 401);
  }
}

/** A dependency (database, cache, outside service) is down; the client may retry. */
export class ServiceUnavailable extends DomainError {
  constructor(
    code = 'SERVICE_UNAVAILABLE',
    message = 'A dependency is temporarily unavailable; retry later.',
  ) {
    super(code, message, 503);
  }
}
