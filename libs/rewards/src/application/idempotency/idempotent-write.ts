import { Injectable } from '@nestjs/common';
import { DomainError, type Tx } from '@heyblue/platform';
import { AuditLog, EventPublisher, IdempotencyStore, UnitOfWork, type StoredAnswer } from '../ports.js';

/** Who sends a points-moving write, under which Idempotency-Key, for which request. */
export interface IdempotentRequest {
  accountId: string;
  /** Absent: the write just runs (each call is a new request). */
  key?: string;
  /** The use case, so one key cannot serve a redemption and then a donation. */
  operation: string;
  /** What makes two requests "the same" (e.g. the offer id); another one under the key is refused. */
  fingerprint: string;
}

interface StoredRefusal {
  code: string;
  message: string;
  extra: Record<string, unknown>;
}

type Outcome<T> = { result: T } | { refused: DomainError } | { replay: StoredAnswer };

/**
 * Runs a points-moving write once per (account, Idempotency-Key), in one transaction with
 * the key's claim: a repeat gets the first answer and moves nothing.
 *
 * The first answer is replayed whatever it was — a 201 or a business refusal (422
 * INSUFFICIENT_POINTS, OFFER_UNAVAILABLE, 404 OFFER_NOT_FOUND …). Re-running a refused
 * request later could succeed (points earned meanwhile) and so move points on a repeat,
 * which the contract rules out; a client that wants a new attempt sends a new key.
 * Not recorded, so a retry runs again: requests refused before they reach the use case
 * (400 validation, 401/403) and unexpected failures (5xx), after which nothing committed.
 */
@Injectable()
export class IdempotentWrite {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly idempotency: IdempotencyStore,
    private readonly events: EventPublisher,
    private readonly audit: AuditLog,
  ) {}

  async run<T>(req: IdempotentRequest, status: number, work: (tx: Tx) => Promise<T>): Promise<T> {
    const outcome = await this.uow.run(async (tx): Promise<Outcome<T>> => {
      if (!req.key) return { result: await work(tx) };
      const first = await this.idempotency.claim(tx, req.accountId, req.key, req.operation, req.fingerprint);
      if (first) return { replay: first };
      try {
        // Inside a savepoint, so a refusal undoes the work but keeps the claim to record it.
        const result = await this.uow.savepoint(tx, () => work(tx));
        await this.idempotency.complete(tx, req.accountId, req.key, { status, body: result });
        return { result };
      } catch (err) {
        if (!isBusinessRefusal(err)) throw err;
        const refusal: StoredRefusal = { code: err.code, message: err.message, extra: err.extra };
        await this.idempotency.complete(tx, req.accountId, req.key, { status: err.status, body: refusal });
        return { refused: err };
      }
    });
    if ('refused' in outcome) throw outcome.refused;
    if ('replay' in outcome) {
      // The first request's entry stands for it: a repeat moves nothing and writes nothing.
      this.audit.unchanged();
      return replayed<T>(outcome.replay);
    }
    this.events.flush();
    return outcome.result;
  }
}

const isBusinessRefusal = (err: unknown): err is DomainError =>
  err instanceof DomainError && err.status >= 400 && err.status < 500;

function replayed<T>(answer: StoredAnswer): T {
  if (answer.status < 400) return answer.body as T;
  const r = answer.body as StoredRefusal;
  throw new DomainError(r.code, r.message, answer.status, r.extra);
}
