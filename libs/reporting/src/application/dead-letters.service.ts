import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import {
  DeadLetterService,
  DomainError,
  ValidationFailed,
  decodeCursor,
  encodeCursor,
  type DeadLetterView,
  type Page,
} from '@heyblue/platform';
import { IamApi, type AuditActor } from '@heyblue/iam';

/** The admin back office over the platform's dead-letter store (every call audited). */
@Injectable()
export class DeadLettersAdmin {
  constructor(
    private readonly deadLetters: DeadLetterService,
    private readonly iam: IamApi,
  ) {}

  async list(
    q: { limit?: number; cursor?: string; pending?: boolean },
    actor: AuditActor,
  ): Promise<Page<DeadLetterView>> {
    // The store pages by the last id; the contract's cursor is opaque, so it travels wrapped.
    const after = decodeCursor<[string]>(q.cursor, 1)?.[0];
    if (after !== undefined && !isUUID(after))
      throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
    const page = await this.deadLetters.list({
      limit: q.limit ?? 20,
      cursor: after,
      pendingOnly: q.pending ?? false,
    });
    await this.iam.recordAdminAction(actor, 'dead_letters_listed', null, { pending: q.pending ?? false });
    return { items: page.items, nextCursor: page.nextCursor ? encodeCursor([page.nextCursor]) : null };
  }

  async replay(id: string, actor: AuditActor): Promise<{ id: string; status: 'replayed' }> {
    try {
      await this.deadLetters.replay(id);
    } catch (err) {
      if (err instanceof DomainError) throw err;
      // The dead letter stays pending (the store releases its claim); the cause is in the logs.
      throw new DomainError(
        'REPLAY_FAILED',
        'The delivery failed again; the dead letter stays pending.',
        502,
      );
    }
    await this.iam.recordAdminAction(actor, 'dead_letter_replayed', id);
    return { id, status: 'replayed' };
  }
}
