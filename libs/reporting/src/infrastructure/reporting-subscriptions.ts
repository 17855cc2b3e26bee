import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventConsumers } from '@heyblue/platform';
import { ConnectionEstablished } from '@heyblue/connections';
import { AccountCreated, AccountRoleChanged } from '@heyblue/iam';
import { ProfileUpdated, TrophyAwarded } from '@heyblue/profile';
import { PointsDonated, PointsEarned, PointsRedeemed } from '@heyblue/rewards';
import { FactsRepository } from './facts.repository.js';
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
    c.subscribe('reporting.account-created', AccountCreated, async (e, tx) => {
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
    });
    c.subscribe('reporting.account-role-changed', AccountRoleChanged, async (e, tx) => {
      await this.facts.setDims(tx, this.ids.subject(e.payload.accountId), {
        role: e.payload.role,
        precinct: e.payload.precinct ?? undefined,
      });
    });
    c.subscribe('reporting.profile-updated', ProfileUpdated, async (e, tx) => {
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
    });
    c.subscribe('reporting.connection-established', ConnectionEstablished, async (e, tx) => {
      const occurredAt = at(e.payload.establishedAt, e.occurredAt);
      const officer = this.ids.subject(e.payload.officerId);
      const citizen = this.ids.subject(e.payload.citizenId);
      const dims = await this.facts.dims(tx, officer);
      await this.facts.record(tx, {
        eventId: e.id,
        metric: 'connections',
        subject: officer,
        occurredAt,
        zip: e.payload.zip,
        precinct: dims.precinct,
        value: 1,
      });
      // The citizen took part too: an activity fact (value 0) makes them count as active.
      await this.facts.record(tx, {
        eventId: e.id,
        metric: 'activity',
        subject: citizen,
        occurredAt,
        zip: e.payload.zip,
        precinct: dims.precinct,
        value: 0,
      });
    });
    c.subscribe('reporting.points-earned', PointsEarned, async (e, tx) => {
      const subject = this.ids.subject(e.payload.accountId);
      const dims = await this.facts.dims(tx, subject);
      await this.facts.record(tx, {
        eventId: e.id,
        metric: 'points_issued',
        subject,
        occurredAt: at(e.payload.earnedAt, e.occurredAt),
        zip: e.payload.zip ?? dims.zip,
        precinct: dims.precinct,
        value: e.payload.points,
      });
    });
    c.subscribe('reporting.points-redeemed', PointsRedeemed, async (e, tx) => {
      const subject = this.ids.subject(e.payload.accountId);
      const dims = await this.facts.dims(tx, subject);
      await this.facts.record(tx, {
        eventId: e.id,
        metric: 'points_redeemed',
        subject,
        occurredAt: at(e.payload.redeemedAt, e.occurredAt),
        zip: dims.zip,
        precinct: dims.precinct,
        value: e.payload.points,
      });
    });
    c.subscribe('reporting.points-donated', PointsDonated, async (e, tx) => {
      const subject = this.ids.subject(e.payload.accountId);
      const dims = await this.facts.dims(tx, subject);
      await this.facts.record(tx, {
        eventId: e.id,
        metric: 'points_donated',
        subject,
        occurredAt: at(e.payload.donatedAt, e.occurredAt),
        zip: dims.zip,
        precinct: dims.precinct,
        charityId: e.payload.charityId,
        value: e.payload.points,
      });
    });
    c.subscribe('reporting.trophy-awarded', TrophyAwarded, async (e, tx) => {
      const subject = this.ids.subject(e.payload.accountId);
      const dims = await this.facts.dims(tx, subject);
      await this.facts.record(tx, {
        eventId: e.id,
        metric: 'trophies',
        subject,
        occurredAt: at(e.payload.awardedAt, e.occurredAt),
        zip: dims.zip,
        precinct: dims.precinct,
        value: 1,
      });
    });
  }
}
