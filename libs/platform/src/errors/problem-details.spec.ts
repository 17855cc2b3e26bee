import { BadRequestException, HttpException } from '@nestjs/common';
import { DomainError, ValidationFailed } from './domain-error.js';
import { isDependencyUnavailable, toProblem } from './problem-details.filter.js';

describe('problem+json mapping', () => {
  it('keeps a domain error code, status and detail', () => {
    expect(toProblem(new DomainError('TOO_FAR', 'The officer is too far away.', 422))).toMatchObject({
      status: 422,
      code: 'TOO_FAR',
      title: 'Unprocessable Content',
      detail: 'The officer is too far away.',
      type: 'https://heyblue.app/problems/too-far',
    });
  });

  it('adds field errors for validation failures', () => {
    const p = toProblem(new ValidationFailed([{ field: 'lat', message: 'lat must not be greater than 90' }]));
    expect(p).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'lat', message: 'lat must not be greater than 90' }],
    });
  });

  it('hides the message of server errors', () => {
    const p = toProblem(new HttpException('db password is hunter2', 500));
    expect(p).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(p)).not.toContain('hunter2');
    expect(JSON.stringify(toProblem(new TypeError('x.y is undefined')))).not.toContain('x.y');
  });

  it('maps framework HTTP errors to stable codes', () => {
    expect(toProblem(new BadRequestException('nope'))).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
      detail: 'nope',
    });
  });

  it('maps dependency outages to 503', () => {
    expect(
      toProblem(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
    ).toMatchObject({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
  });

  it.each([
    // Seen with PostgreSQL cut under redemptions (test/faults/postgres.e2e-spec.ts) before they counted as outages.
    [
      'Prisma raw query on a closed connection',
      Object.assign(
        new Error('Raw query failed. Code: `N/A`. Message: `Server has closed the connection.`'),
        { code: 'P2010' },
      ),
    ],
    [
      'pg client after a connection error',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    [
      'pool exhausted',
      Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), {
        code: 'P2028',
      }),
    ],
    // ioredis while Redis is away.
    ['Redis command timeout', new Error('Command timed out')],
    [
      'Redis retries given up',
      Object.assign(new Error('Reached the max retries per request limit (which is 2).'), {
        name: 'MaxRetriesPerRequestError',
      }),
    ],
  ])('maps %s to 503 (isDependencyUnavailable)', (_what, err) => {
    expect(isDependencyUnavailable(err)).toBe(true);
    expect(toProblem(err)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
  });

  it('does not take a bug for an outage', () => {
    expect(isDependencyUnavailable(new TypeError('x.y is undefined'))).toBe(false);
    expect(
      isDependencyUnavailable(Object.assign(new Error('Unique constraint failed'), { code: 'P2002' })),
    ).toBe(false);
  });
});
