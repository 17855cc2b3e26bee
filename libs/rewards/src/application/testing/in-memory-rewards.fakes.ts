import type { IntegrationEvent, Tx } from '@heyblue/platform';
import { balanceCannotGoNegative } from '../../domain/rules/balance-cannot-go-negative.rule.js';
import { PointsRedeemed } from '../../events/points-redeemed.integration-event.js';
import {
  AuditLog,
  Clock,
  DonationStore,
  EventPublisher,
  IdempotencyStore,
  Ledger,
  OfferStock,
  Redemptions,
  RewardsSettings,
  SchemeFinder,
  UnitOfWork,
  VoucherSignature,
  VoucherStore,
  type LedgerMovement,
  type RewardsAuditEntry,
  type NewDonation,
  type NewVoucher,
  type PostedEntry,
  type RedeemableOffer,
  type SchemeAtPlace,
  type StoredAnswer,
} from '../ports.js';

/**
 * In-memory adapters for the rewards ports (unit tests of the use cases). The unit of work
 * snapshots state and restores it when the work throws, like a rolled-back transaction.
 */
export class InMemoryRewards {
  balances = new Map<string, number>();
  entries: PostedEntry[] = [];
  offers = new Map<string, RedeemableOffer>();
  vouchers: NewVoucher[] = [];
  donations: NewDonation[] = [];
  charities = new Set<string>();
  answers = new Map<string, { operation: string; fingerprint: string; answer: StoredAnswer | null }>();
  schemes: Array<SchemeAtPlace & { zips: string[] }> = [];
  published: IntegrationEvent<object>[] = [];
  flushed = 0;
  now = new Date('2026-11-23T12:00:00.000Z');
  private seq = 0n;

  readonly tx = {} as Tx;

  readonly uow: UnitOfWork = {
    run: async <T>(work: (tx: Tx) => Promise<T>): Promise<T> => {
      const snapshot = this.snapshot();
      try {
        return await work(this.tx);
      } catch (err) {
        this.restore(snapshot);
        throw err;
      }
    },
    savepoint: async <T>(_tx: Tx, work: () => Promise<T>): Promise<T> => {
      const snapshot = this.snapshot();
      try {
        return await work();
      } catch (err) {
        this.restore(snapshot);
        throw err;
      }
    },
  };

  readonly ledger: Ledger = {
    post: async (_tx: Tx, m: LedgerMovement) => {
      const earlier = this.byKey.get(m.idempotencyKey);
      if (earlier) return { entry: earlier, duplicate: true };
      const after = balanceCannotGoNegative(this.balances.get(m.accountId) ?? 0, m.delta);
      this.balances.set(m.accountId, after);
      const entry: PostedEntry = {
        id: `entry-${++this.seq}`,
        seq: this.seq,
        accountId: m.accountId,
        delta: m.delta,
        balanceAfter: after,
        reason: m.reason,
        reference: m.reference,
        createdAt: this.now,
      };
      this.entries.push(entry);
      this.byKey.set(m.idempotencyKey, entry);
      return { entry, duplicate: false };
    },
    balanceOf: async (accountId: string) => this.balances.get(accountId) ?? 0,
  };
  private byKey = new Map<string, PostedEntry>();

  readonly offerStock: OfferStock = {
    find: async (_tx, id) => {
      const o = this.offers.get(id);
      return o ? { ...o } : null;
    },
    takeOne: async (_tx, id) => {
      const o = this.offers.get(id);
      if (!o || (o.maxRedemptions !== null && o.redeemedCount >= o.maxRedemptions)) return false;
      o.redeemedCount += 1;
      return true;
    },
  };

  /** How many redemptions were written at once (the plain case); the rest went the general way. */
  atOnce = 0;

  /** As the database function: all of it, or nothing and null when the case is not plain. */
  readonly redemptions: Redemptions = {
    peekOffer: async (id) => {
      const o = this.offers.get(id);
      return o?.active ? { ...o } : null;
    },
    redeemAtOnce: async (r) => {
      const { accountId } = r.voucher;
      const o = this.offers.get(r.offer.id);
      const answerKey = r.claim && `${accountId}:${r.claim.key}`;
      const sameTerms =
        o !== undefined &&
        o.active &&
        o.retailerId === r.offer.retailerId &&
        o.pointsCost === r.offer.pointsCost &&
        o.validFrom.getTime() === r.offer.validFrom.getTime() &&
        o.validUntil.getTime() === r.offer.validUntil.getTime() &&
        (o.maxRedemptions === null) === (r.offer.maxRedemptions === null);
      if (!o || !sameTerms || (answerKey && this.answers.has(answerKey))) return null;
      if (o.maxRedemptions !== null && o.redeemedCount >= o.maxRedemptions) return null;
      if ((this.balances.get(accountId) ?? 0) < o.pointsCost) return null;
      if (o.maxRedemptions !== null) o.redeemedCount += 1;
      const { entry } = await this.ledger.post(this.tx, {
        accountId,
        delta: -o.pointsCost,
        reason: 'redemption',
        reference: r.voucher.id,
        idempotencyKey: r.debitKey,
      });
      this.vouchers.push({ ...r.voucher, ledgerEntryId: entry.id });
      if (r.claim && answerKey)
        this.answers.set(answerKey, {
          operation: r.claim.operation,
          fingerprint: r.claim.fingerprint,
          answer: r.claim.answer,
        });
      this.published.push(
        new PointsRedeemed(
          {
            ...r.event.payload,
            balance: entry.balanceAfter,
            ledgerSeq: entry.seq.toString(),
            entryId: entry.id,
          },
          { id: r.event.id, occurredAt: r.event.occurredAt },
        ),
      );
      if (r.audit) this.audits.push(r.audit);
      this.atOnce += 1;
      return entry;
    },
  };

  audits: RewardsAuditEntry[] = [];
  /** Requests that said they changed nothing (idempotent repeats). */
  unchangedCalls = 0;

  readonly auditLog: AuditLog = {
    record: async (_tx, e) => {
      this.audits.push(e);
    },
    unchanged: () => {
      this.unchangedCalls += 1;
    },
  };

  readonly voucherStore: VoucherStore = {
    create: async (_tx, v) => {
      this.vouchers.push(v);
    },
  };

  readonly donationStore: DonationStore = {
    charityExists: async (_tx, id) => this.charities.has(id),
    create: async (_tx, d) => {
      this.donations.push(d);
    },
  };

  readonly idempotency: IdempotencyStore = {
    claim: async (_tx, accountId, key, operation, fingerprint) => {
      const found = this.answers.get(`${accountId}:${key}`);
      if (!found) {
        this.answers.set(`${accountId}:${key}`, { operation, fingerprint, answer: null });
        return null;
      }
      if (found.operation !== operation || found.fingerprint !== fingerprint) {
        const { IdempotencyKeyReused } = await import('../../domain/rewards.errors.js');
        throw new IdempotencyKeyReused();
      }
      return found.answer;
    },
    complete: async (_tx, accountId, key, answer) => {
      const found = this.answers.get(`${accountId}:${key}`);
      if (found) found.answer = answer;
    },
  };

  readonly schemeFinder: SchemeFinder = {
    activeFor: async (_tx, zip, at) =>
      this.schemes.filter((s) => s.zips.includes(zip) && s.validFrom <= at && at < s.validUntil),
  };

  readonly events: EventPublisher = {
    publish: async (_tx, ...events) => {
      this.published.push(...events);
    },
    flush: () => {
      this.flushed += 1;
    },
  };

  readonly clock: Clock = { now: () => this.now };

  readonly signer: VoucherSignature = {
    sign: (code, offerId, expiresAt) => ({
      kid: 'test-kid',
      signature: `sig(${code}|${offerId}|${expiresAt})`,
    }),
  };

  settings: RewardsSettings = {
    pointsPerConnection: { citizen: 10, officer: 5 },
    voucherValidityDays: 30,
    usdPerPoint: 0.01,
  };

  private snapshot() {
    return {
      balances: new Map(this.balances),
      entries: [...this.entries],
      byKey: new Map(this.byKey),
      offers: new Map([...this.offers].map(([k, v]) => [k, { ...v }])),
      vouchers: [...this.vouchers],
      donations: [...this.donations],
      answers: new Map([...this.answers].map(([k, v]) => [k, { ...v }])),
      published: [...this.published],
      audits: [...this.audits],
    };
  }

  private restore(s: ReturnType<InMemoryRewards['snapshot']>): void {
    Object.assign(this, s);
  }
}
