import { Injectable } from '@nestjs/common';
import type { Tx } from '@heyblue/platform';
import { stateOfZip } from '../domain/zip-state.js';

export interface FactInput {
  eventId: string;
  metric: string;
  subject: string;
  occurredAt: Date;
  zip?: string | null;
  precinct?: string | null;
  charityId?: string | null;
  value: number;
}

export interface SubjectDims {
  role: string | null;
  zip: string | null;
  precinct: string | null;
}

const dayOf = (d: Date) => new Date(`${d.toISOString().slice(0, 10)}T00:00:00Z`);

/** Writes facts and subject dimensions inside the event consumer's transaction. */
@Injectable()
export class FactsRepository {
  async record(tx: Tx, f: FactInput): Promise<void> {
    const zip = f.zip && /^\d{5}$/.test(f.zip) ? f.zip : null;
    const day = dayOf(f.occurredAt);
    await tx.reportingFact.createMany({
      data: [
        {
          eventId: f.eventId,
          metric: f.metric,
          subject: f.subject,
          occurredAt: f.occurredAt,
          day,
          hour: f.occurredAt.getUTCHours(),
          zip,
          state: stateOfZip(zip),
          precinct: f.precinct ?? null,
          charityId: f.charityId ?? null,
          value: f.value,
        },
      ],
      skipDuplicates: true,
    });
    await this.markDirty(tx, [day]);
  }

  async markDirty(tx: Tx, days: Date[]): Promise<void> {
    if (days.length > 0)
      await tx.reportingDirtyDay.createMany({ data: days.map((day) => ({ day })), skipDuplicates: true });
  }

  async dims(tx: Tx, subject: string): Promise<SubjectDims> {
    const s = await tx.reportingSubject.findUnique({ where: { subject } });
    return { role: s?.role ?? null, zip: s?.zip ?? null, precinct: s?.precinct ?? null };
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
