import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventConsumers, type EventClass, type EventEnvelope, type Tx } from '@heyblue/platform';
import { ConnectionEstablished, type ConnectionEstablishedPayload } from '@heyblue/connections';
import { AccountCreated, AccountRoleChanged } from '@heyblue/iam';
import { ProfileUpdated, TrophyAwarded } from '@heyblue/profile';
import { PointsAdjusted, PointsDonated, PointsEarned, PointsRedeemed } from '@heyblue/rewards';
import { FactsRepository, NO_DIMS, type FactInput, type SubjectDims } from './facts.repository.js';
import { Pseudonymizer } from './pseudonymizer.js';

const at = (iso: string | undefined, fallback: string) => new Date(iso ?? fallback);

/** Turns integration events into de-identified facts (exactly once per event and handler). */
@Injectable()
export class ReportingSubscriptions implements OnModuleInit {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly facts: FactsRepository,
    private readonly ids: Pseudonymizer,
  ) {}

  onModuleInit(): void {
    const c = this.consumers;
    // The handlers that upsert a subject's dimensions name the account: the consumer locks it
    // first (see SubscribeOptions.locks); fact inserts are keyed by the event and need no lock.
    const account = { locks: (e: { payload: { accountId: string } }) => [e.payload.accountId] };
    c.subscribe(
      'reporting.account-created',
      AccountCreated,
      async (e, tx) => {
        const subject = this.ids.subject(e.payload.accountId);
        await this.facts.setDims(tx, subject, {
          role: e.payload.role,
          precinct: e.payload.precinct ?? undefined,
        });
        const dims = await this.facts.dims(tx, subject);
        await this.facts.record(tx, {
          eventId: e.id,
          metric: 'users',
          subject,
          occurredAt: new Date(e.occurredAt),
          zip: dims.zip,
          precinct: dims.precinct,
          value: 1,
        });
      },
      account,
    );
    c.subscribe(
      'reporting.account-role-changed',
      AccountRoleChanged,
      async (e, tx) => {
        await this.facts.setDims(tx, this.ids.subject(e.payload.accountId), {
          role: e.payload.role,
          precinct: e.payload.precinct ?? undefined,
        });
      },
      account,
    );
    c.subscribe(
      'reporting.profile-updated',
      ProfileUpdated,
      async (e, tx) => {
        const subject = this.ids.subject(e.payload.accountId);
        if (e.payload.zip) {
          await this.facts.setDims(tx, subject, { zip: e.payload.zip });
          await this.facts.fillUserZip(tx, subject, e.payload.zip);
        }
        const dims = await this.facts.dims(tx, subject);
        await this.facts.record(tx, {
          eventId: e.id,
          metric: 'activity',
          subject,
          occurredAt: at(e.payload.updatedAt, e.occurredAt),
          zip: dims.zip,
          precinct: dims.precinct,
          value: 0,
        });
      },
      account,
    );
    // A connection is two facts: the officer's, and the citizen's activity (value 0: they count
    // as active). A batch reads the officers' dimensions once and writes every fact in one statement.
    const connections = async (events: EventEnvelope<ConnectionEstablishedPayload>[], tx: Tx) => {
      const officers = events.map((e) => this.ids.subject(e.payload.officerId));
      const dims = await this.facts.dimsOf(tx, officers);
      await this.facts.recordMany(
        tx,
        events.flatMap((e, k) => {
          const occurredAt = at(e.payload.establishedAt, e.occurredAt);
          const where = {
            occurredAt,
            zip: e.payload.zip,
            state: e.payload.state,
            precinct: (dims.get(officers[k]!) ?? NO_DIMS).precinct,
          };
          return [
            { eventId: e.id, metric: 'connections', subject: officers[k]!, value: 1, ...where },
            {
              eventId: e.id,
              metric: 'activity',
              subject: this.ids.subject(e.payload.citizenId),
              value: 0,
              ...where,
            },
          ];
        }),
      );
    };
    c.subscribe('reporting.connection-established', ConnectionEstablished, (e, tx) => connections([e], tx), {
      batch: connections,
    });
    // Events that are one fact about one account: a batch of them costs two statements.
    this.accountFact(
      'reporting.points-earned',
      PointsEarned,
      (e) => e.payload.accountId,
      (e, dims) => ({
        metric: 'points_issued',
        occurredAt: at(e.payload.earnedAt, e.occurredAt),
        zip: e.payload.zip ?? dims.zip,
        precinct: dims.precinct,
        value: e.payload.points,
      }),
    );
    this.accountFact(
      'reporting.points-redeemed',
      PointsRedeemed,
      (e) => e.payload.accountId,
      (e, dims) => ({
        metric: 'points_redeemed',
        occurredAt: at(e.payload.redeemedAt, e.occurredAt),
        zip: dims.zip,
        precinct: dims.precinct,
        value: e.payload.points,
      }),
    );
    this.accountFact(
      'reporting.points-donated',
      PointsDonated,
      (e) => e.payload.accountId,
      (e, dims) => ({
        metric: 'points_donated',
        occurredAt: at(e.payload.donatedAt, e.occurredAt),
        zip: dims.zip,
        precinct: dims.precinct,
        charityId: e.payload.charityId,
        value: e.payload.points,
      }),
    );
    // Signed: a claw-back is a negative fact, so sums of adjustments net out.
    this.accountFact(
      'reporting.points-adjusted',
      PointsAdjusted,
      (e) => e.payload.accountId,
      (e, dims) => ({
        metric: 'points_adjusted',
        occurredAt: at(e.payload.adjustedAt, e.occurredAt),
        zip: dims.zip,
        precinct: dims.precinct,
        value: e.payload.points,
      }),
    );
    this.accountFact(
      'reporting.trophy-awarded',
      TrophyAwarded,
      (e) => e.payload.accountId,
      (e, dims) => ({
        metric: 'trophies',
        occurredAt: at(e.payload.awardedAt, e.occurredAt),
        zip: dims.zip,
        precinct: dims.precinct,
        value: 1,
      }),
    );
  }

  /**
   * Subscribes a handler that records one fact per event about the event's account, with the
   * dimensions known of it. A batch reads the dimensions once for all its events, as they are
   * when the batch runs (the same tolerance as for an event that arrives late).
   */
  private accountFact<P extends object>(
    handlerId: string,
    event: EventClass<P>,
    accountOf: (e: EventEnvelope<P>) => string,
    fact: (e: EventEnvelope<P>, dims: SubjectDims) => Omit<FactInput, 'eventId' | 'subject'>,
  ): void {
    const apply = async (events: EventEnvelope<P>[], tx: Tx): Promise<void> => {
      const subjects = events.map((e) => this.ids.subject(accountOf(e)));
      const dims = await this.facts.dimsOf(tx, subjects);
      await this.facts.recordMany(
        tx,
        events.map((e, k) => ({
          eventId: e.id,
          subject: subjects[k]!,
          ...fact(e, dims.get(subjects[k]!) ?? NO_DIMS),
        })),
      );
    };
    this.consumers.subscribe(handlerId, event, (e, tx) => apply([e], tx), { batch: apply });
  }
}
