import type { AuditAuthor } from '@heyblue/iam';
import type { IntegrationEvent, Tx } from '@heyblue/platform';
import type { PointsRedeemedPayload } from '../events/points-redeemed.integration-event.js';

/**
 * The seams the rewards use cases depend on. Infrastructure provides the PostgreSQL
 * adapters; unit tests provide in-memory fakes. The transaction handle is opaque here.
 */

export type LedgerReason = 'connection' | 'redemption' | 'donation' | 'adjustment';

export interface LedgerMovement {
  accountId: string;
  /** Positive credits, negative debits; never zero. */
  delta: number;
  reason: LedgerReason;
  reference: string;
  idempotencyKey: string;
}

export interface PostedEntry {
  id: string;
  seq: bigint;
  accountId: string;
  delta: number;
  balanceAfter: number;
  reason: LedgerReason;
  reference: string;
  createdAt: Date;
}

/** Runs work in one database transaction. */
export abstract class UnitOfWork {
  abstract run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Inside `tx`: when `work` throws, its writes are undone and the transaction goes on. */
  abstract savepoint<T>(tx: Tx, work: () => Promise<T>): Promise<T>;
}

/** The points ledger: append-only entries plus a locked running balance per account. */
export abstract class Ledger {
  /**
   * Posts one movement under the account's row lock. Throws INSUFFICIENT_POINTS when the
   * balance would go negative. A movement whose idempotency key was posted before moves
   * nothing and returns the earlier entry with `duplicate: true`.
   */
  abstract post(tx: Tx, movement: LedgerMovement): Promise<{ entry: PostedEntry; duplicate: boolean }>;
  abstract balanceOf(accountId: string): Promise<number>;
}

export interface RedeemableOffer {
  id: string;
  /** The offer and its retailer are both active (not retired by ETL). */
  active: boolean;
  retailerId: string;
  title: string;
  discount: string;
  pointsCost: number;
  validFrom: Date;
  validUntil: Date;
  maxRedemptions: number | null;
  redeemedCount: number;
}

export abstract class OfferStock {
  abstract find(tx: Tx, offerId: string): Promise<RedeemableOffer | null>;
  /** Takes one unit of a limited offer; false when none is left (never oversells). */
  abstract takeOne(tx: Tx, offerId: string): Promise<boolean>;
}

export interface NewVoucher {
  id: string;
  code: string;
  accountId: string;
  offerId: string;
  retailerId: string;
  pointsCost: number;
  issuedAt: Date;
  expiresAt: Date;
  kid: string;
  signature: string;
  ledgerEntryId: string;
}

export abstract class VoucherStore {
  abstract create(tx: Tx, voucher: NewVoucher): Promise<void>;
}

/**
 * A redemption decided outside a transaction (offer read, availability checked, voucher
 * signed), to be written in one atomic step if nothing changed meanwhile.
 */
export interface RedemptionAtOnce {
  /** The terms the voucher was built and signed on; the write goes ahead only while they hold. */
  offer: Pick<
    RedeemableOffer,
    'id' | 'retailerId' | 'pointsCost' | 'validFrom' | 'validUntil' | 'maxRedemptions'
  >;
  voucher: Omit<NewVoucher, 'ledgerEntryId'>;
  /** The ledger's idempotency key of the debit. */
  debitKey: string;
  /** The request's Idempotency-Key, claimed with its first answer in the same write. */
  claim?: { key: string; operation: string; fingerprint: string; answer: StoredAnswer };
  /** PointsRedeemed without the entry's figures; the write adds `balance`, `ledgerSeq` and `entryId`. */
  event: {
    id: string;
    occurredAt: string;
    payload: Omit<PointsRedeemedPayload, 'balance' | 'ledgerSeq' | 'entryId'>;
  };
  /** The audit entry that commits with it. */
  audit?: RewardsAuditEntry;
}

/**
 * The plain case of a redemption as one write: key claim, stock, debit, ledger entry,
 * voucher and PointsRedeemed, all or nothing, without holding a transaction open across
 * round trips. Anything else goes the general way (UnitOfWork, Ledger, OfferStock …).
 */
export abstract class Redemptions {
  /** The offer as it is now, read outside any transaction (null: no such offer). */
  abstract peekOffer(offerId: string): Promise<RedeemableOffer | null>;
  /**
   * Writes all of it and answers the posted debit, or writes nothing and answers null when the
   * case is not plain: the key was used before, the offer's terms changed, the offer or its
   * retailer was retired, a limited offer is sold out, or the balance does not cover the cost.
   */
  abstract redeemAtOnce(r: RedemptionAtOnce): Promise<PostedEntry | null>;
}

export interface NewDonation {
  id: string;
  accountId: string;
  charityId: string;
  points: number;
  ledgerEntryId: string;
  createdAt: Date;
}

export abstract class DonationStore {
  abstract charityExists(tx: Tx, charityId: string): Promise<boolean>;
  abstract create(tx: Tx, donation: NewDonation): Promise<void>;
}

export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** First answers of points-moving requests, keyed by (account, Idempotency-Key). */
export abstract class IdempotencyStore {
  /**
   * Claims the key inside `tx` (a concurrent twin waits on the claim); answers the stored
   * first result when the key was already used for the same request, throws
   * IDEMPOTENCY_KEY_REUSED when it was used for a different one.
   */
  abstract claim(
    tx: Tx,
    accountId: string,
    key: string,
    operation: string,
    fingerprint: string,
  ): Promise<StoredAnswer | null>;
  abstract complete(tx: Tx, accountId: string, key: string, answer: StoredAnswer): Promise<void>;
}

export interface SchemeAtPlace {
  id: string;
  multiplier: number;
  validFrom: Date;
  validUntil: Date;
}

export abstract class SchemeFinder {
  /** Schemes of the municipalities covering `zip` whose window contains `at`. */
  abstract activeFor(tx: Tx, zip: string, at: Date): Promise<SchemeAtPlace[]>;
}

export abstract class EventPublisher {
  abstract publish(tx: Tx, ...events: IntegrationEvent<object>[]): Promise<void>;
  /** Wake the relay after commit. */
  abstract flush(): void;
}

export abstract class Clock {
  abstract now(): Date;
}

export interface SignedVoucher {
  /** The key that signed, published at GET /vouchers/public-key while the voucher is valid. */
  kid: string;
  signature: string;
}

/** Signs the voucher string `<code>|<offerId>|<expiresAt>` (Ed25519) with the key of the moment. */
export abstract class VoucherSignature {
  abstract sign(code: string, offerId: string, expiresAt: string): SignedVoucher;
}

/** Settings the use cases read (from the validated environment in production). */
export abstract class RewardsSettings {
  abstract readonly pointsPerConnection: { citizen: number; officer: number };
  abstract readonly voucherValidityDays: number;
  abstract readonly usdPerPoint: number;
}

/** One audit entry of a Rewards use case: who (an account, a retailer key, the CLI), what, on what. */
export interface RewardsAuditEntry {
  actor: AuditAuthor | null;
  action: string;
  targetId: string | null;
  /** Small and plain: ids, counts, reasons; never a voucher code or a key. */
  detail?: Record<string, unknown>;
}

/** The audit trail (IAM's), written in the use case's transaction so the entry commits with the change. */
export abstract class AuditLog {
  abstract record(tx: Tx | null, entry: RewardsAuditEntry): Promise<void>;
  /** The request changed nothing (an idempotent repeat): no entry is due. */
  abstract unchanged(): void;
}

/** Whether an account exists (IAM owns accounts). */
export abstract class AccountLookup {
  abstract exists(accountId: string): Promise<boolean>;
}
