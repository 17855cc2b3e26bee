import { Injectable } from '@nestjs/common';
import type { Tx } from '@heyblue/platform';
import { stateOfZip } from '@heyblue/places';

export interface FactInput {
  eventId: string;
  metric: string;
  subject: string;
  occurredAt: Date;
  zip?: string | null;
  /** The state where it happened when the event says so (derived from coordinates); else the ZIP's. */
  state?: string | null;
  precinct?: string | null;
  charityId?: string | null;
  value: number;
}

export interface SubjectDims {
  role: string | null;
  zip: string | null;
  precinct: string | null;
}

/** What is known of a subject reporting has not seen yet. */
export const NO_DIMS: Readonly<SubjectDims> = Object.freeze({ role: null, zip: null, precinct: null });

/** A day as PostgreSQL reads a DATE whatever the session's time zone. */
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Writes facts and subject dimensions inside the event consumer's transaction. */
@Injectable()
export class FactsRepository {
  async record(tx: Tx, f: FactInput): Promise<void> {
    await this.recordMany(tx, [f]);
  }

  /**
   * Facts in one statement (a batch of events), then their days marked dirty. Raw statements:
   * there is a fact per event on every points move, where Prisma's model API cost noticeably
   * more CPU than the statement itself.
   */
  async recordMany(tx: Tx, facts: FactInput[]): Promise<void> {
    if (facts.length === 0) return;
    const zips = facts.map((f) => (f.zip && /^\d{5}$/.test(f.zip) ? f.zip : null));
    await tx.$executeRaw`
      INSERT INTO reporting_fact (event_id, metric, subject, occurred_at, day, hour, zip, state, precinct, charity_id, value)
      SELECT * FROM unnest(${facts.map((f) => f.eventId)}::uuid[], ${facts.map((f) => f.metric)}::text[], ${facts.map((f) => f.subject)}::text[],
                           ${facts.map((f) => f.occurredAt.toISOString())}::timestamptz[], ${facts.map((f) => isoDay(f.occurredAt))}::date[],
                           ${facts.map((f) => f.occurredAt.getUTCHours())}::int[], ${zips}::text[], ${facts.map((f, k) => f.state ?? stateOfZip(zips[k]))}::text[],
                           ${facts.map((f) => f.precinct ?? null)}::text[], ${facts.map((f) => f.charityId ?? null)}::uuid[], ${facts.map((f) => f.value)}::int[])
      ON CONFLICT DO NOTHING`;
    await this.markDirty(
      tx,
      facts.map((f) => f.occurredAt),
    );
  }

  /** Marks the UTC days of `times` for the rollups to recompute. */
  async markDirty(tx: Tx, times: Date[]): Promise<void> {
    // A plain insert that never waits for another transaction (no unique day): a day already
    // marked is skipped as seen now, and two transactions marking it at once leave two marks.
    const distinct = [...new Set(times.map(isoDay))];
    if (distinct.length > 0)
      await tx.$executeRaw`
        INSERT INTO reporting_dirty_day (day) SELECT d FROM unnest(${distinct}::date[]) AS d
        WHERE NOT EXISTS (SELECT 1 FROM reporting_dirty_day m WHERE m.day = d)`;
  }

  /** The dimensions of several subjects in one read (unknown ones have none). */
  async dimsOf(tx: Tx, subjects: string[]): Promise<Map<string, SubjectDims>> {
    const rows = await tx.$queryRaw<Array<SubjectDims & { subject: string }>>`
      SELECT subject, role, zip, precinct FROM reporting_subject WHERE subject = ANY(${[...new Set(subjects)]}::text[])`;
    return new Map(rows.map(({ subject, ...dims }) => [subject, dims]));
  }

  async dims(tx: Tx, subject: string): Promise<SubjectDims> {
    return (await this.dimsOf(tx, [subject])).get(subject) ?? NO_DIMS;
  }

  async setDims(tx: Tx, subject: string, dims: Partial<SubjectDims>): Promise<void> {
    const data = Object.fromEntries(Object.entries(dims).filter(([, v]) => v !== undefined));
    await tx.reportingSubject.upsert({ where: { subject }, create: { subject, ...data }, update: data });
  }

  /** A sign-up's area is the account's first known ZIP: filled in when the profile first names one. */
  async fillUserZip(tx: Tx, subject: string, zip: string): Promise<void> {
    const facts = await tx.reportingFact.findMany({
      where: { subject, metric: 'users', zip: null },
      select: { day: true },
    });
    if (facts.length === 0) return;
    await tx.reportingFact.updateMany({
      where: { subject, metric: 'users', zip: null },
      data: { zip, state: stateOfZip(zip) },
    });
    await this.markDirty(
      tx,
      facts.map((f) => f.day),
    );
  }
}
