import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '@heyblue/platform';
import { maskPhone, type AccountStatus, type AccountView, type Role } from '../domain/account.js';
import { IamConfig } from './iam-config.js';

export interface AccountRow {
  id: string;
  role: Role;
  status: AccountStatus;
  phoneVerified: boolean;
  displayName: string | null;
}

type Db = Tx | PrismaService;

const toRow = (a: {
  id: string;
  role: string;
  status: string;
  phoneVerifiedAt: Date | null;
  displayName: string | null;
}): AccountRow => ({
  id: a.id,
  role: a.role as Role,
  status: a.status as AccountStatus,
  phoneVerified: a.phoneVerifiedAt !== null,
  displayName: a.displayName,
});

const ROW = { id: true, role: true, status: true, phoneVerifiedAt: true, displayName: true } as const;

/** Accounts, identities, roster, admin grants and phone bindings; PII encrypted with a blind index. */
@Injectable()
export class PrismaAccountsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: IamConfig,
  ) {}

  get cipher() {
    return this.config.cipher;
  }

  async byIdentity(db: Db, provider: string, subject: string): Promise<AccountRow | null> {
    const i = await db.iamIdentity.findUnique({
      where: { provider_subject: { provider, subject } },
      select: { account: { select: ROW } },
    });
    return i ? toRow(i.account) : null;
  }

  /** The oldest account whose e-mail a provider verified (linking needs verified e-mail on both sides). */
  async byVerifiedEmail(db: Db, email: string): Promise<AccountRow | null> {
    const a = await db.iamAccount.findFirst({
      where: { emailHash: this.cipher.blindIndex('email', email), emailVerified: true },
      orderBy: { createdAt: 'asc' },
      select: ROW,
    });
    return a ? toRow(a) : null;
  }

  async byEmail(db: Db, email: string): Promise<AccountRow[]> {
    const rows = await db.iamAccount.findMany({
      where: { emailHash: this.cipher.blindIndex('email', email) },
      select: ROW,
    });
    return rows.map(toRow);
  }

  async byId(db: Db, id: string): Promise<AccountRow | null> {
    const a = await db.iamAccount.findUnique({ where: { id }, select: ROW });
    return a ? toRow(a) : null;
  }

  /** Reads the account and holds its row lock until the transaction ends (read-decide-write without a race). */
  async byIdForUpdate(tx: Tx, id: string): Promise<AccountRow | null> {
    await tx.$queryRaw`SELECT 1 FROM iam_account WHERE id = ${id}::uuid FOR UPDATE`;
    return this.byId(tx, id);
  }

  async linkIdentity(db: Db, accountId: string, provider: string, subject: string): Promise<void> {
    await db.iamIdentity.create({ data: { accountId, provider, subject } });
  }

  async create(
    db: Db,
    a: {
      role: Role;
      email: string;
      emailVerified: boolean;
      displayName: string | null;
      provider: string;
      subject: string;
    },
  ): Promise<AccountRow> {
    // The id is chosen here: the e-mail's ciphertext is bound to its row.
    const id = randomUUID();
    const row = await db.iamAccount.create({
      data: {
        id,
        role: a.role,
        emailCipher: this.cipher.encrypt(a.email, { table: 'iam_account', column: 'email_cipher', row: id }),
        emailHash: this.cipher.blindIndex('email', a.email),
        emailVerified: a.emailVerified,
        piiKeyId: this.cipher.currentKid,
        displayName: a.displayName,
        identities: { create: { provider: a.provider, subject: a.subject } },
      },
      select: ROW,
    });
    return toRow(row);
  }

  async setRole(db: Db, id: string, role: Role): Promise<void> {
    await db.iamAccount.update({ where: { id }, data: { role } });
  }

  async suspend(db: Db, id: string): Promise<boolean> {
    const r = await db.iamAccount.updateMany({
      where: { id, status: 'active' },
      data: { status: 'suspended', suspendedAt: new Date() },
    });
    return r.count > 0;
  }

  /** Active again; the sessions the suspension ended stay ended. False when it was not suspended. */
  async unsuspend(db: Db, id: string): Promise<boolean> {
    const r = await db.iamAccount.updateMany({
      where: { id, status: 'suspended' },
      data: { status: 'active', suspendedAt: null },
    });
    return r.count > 0;
  }

  async setVerifiedPhone(db: Db, id: string, phone: string): Promise<void> {
    await db.iamAccount.update({
      where: { id },
      data: {
        phoneCipher: this.cipher.encrypt(phone, { table: 'iam_account', column: 'phone_cipher', row: id }),
        phoneHash: this.cipher.blindIndex('phone', phone),
        phoneVerifiedAt: new Date(),
      },
    });
  }

  /** The blind index of the account's verified phone, or null when it has none. */
  async verifiedPhoneHash(db: Db, accountId: string): Promise<string | null> {
    const a = await db.iamAccount.findUnique({
      where: { id: accountId },
      select: { phoneHash: true, phoneVerifiedAt: true },
    });
    return a?.phoneVerifiedAt && a.phoneHash ? a.phoneHash : null;
  }

  /** Whether another account holds this phone number verified. */
  async phoneHeldByAnother(db: Db, phoneHash: string, accountId: string): Promise<boolean> {
    const other = await db.iamAccount.findFirst({
      where: { phoneHash, phoneVerifiedAt: { not: null }, id: { not: accountId } },
      select: { id: true },
    });
    return other !== null;
  }

  /**
   * Serialises verifications of one phone number until the transaction ends, so two accounts
   * verifying the same number at once cannot both get it (the check and the write are not
   * otherwise atomic).
   */
  async lockPhone(tx: Tx, phoneHash: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`iam-phone:${phoneHash}`}, 0))`;
  }

  /** Binds the phone to the device; returns the binding it replaced (if another device held it). */
  async bindPhone(
    db: Db,
    phoneHash: string,
    deviceId: string,
    accountId: string,
  ): Promise<{ deviceId: string; accountId: string } | null> {
    const prev = await db.iamPhoneDevice.findUnique({ where: { phoneHash } });
    await db.iamPhoneDevice.upsert({
      where: { phoneHash },
      create: { phoneHash, deviceId, accountId },
      update: { deviceId, accountId, boundAt: new Date() },
    });
    return prev && (prev.deviceId !== deviceId || prev.accountId !== accountId)
      ? { deviceId: prev.deviceId, accountId: prev.accountId }
      : null;
  }

  /** The device the account's verified phone is bound to (sessions from a later sign-in belong to it). */
  async boundDevice(db: Db, accountId: string): Promise<string | null> {
    const a = await db.iamAccount.findUnique({ where: { id: accountId }, select: { phoneHash: true } });
    if (!a?.phoneHash) return null;
    const b = await db.iamPhoneDevice.findUnique({ where: { phoneHash: a.phoneHash } });
    return b && b.accountId === accountId ? b.deviceId : null;
  }

  async rosterEntry(db: Db, email: string): Promise<{ precinct: string } | null> {
    // A retired roster entry (active=false) grants nothing.
    return db.iamOfficerRoster.findFirst({
      where: { emailHash: this.cipher.blindIndex('email', email), active: true },
      select: { precinct: true },
    });
  }

  /** Idempotent by e-mail; returns whether the row was new. */
  async upsertRoster(
    db: Db,
    r: {
      badgeNumber: string;
      email: string;
      firstName: string;
      lastName: string;
      precinct: string;
      zip: string;
      active?: boolean;
    },
  ): Promise<{ created: boolean; emailHash: string }> {
    const emailHash = this.cipher.blindIndex('email', r.email);
    const existing = await db.iamOfficerRoster.findUnique({ where: { emailHash }, select: { id: true } });
    const data = {
      badgeNumber: r.badgeNumber,
      firstName: r.firstName,
      lastName: r.lastName,
      precinct: r.precinct,
      zip: r.zip,
      active: r.active ?? true,
      emailCipher: this.cipher.encrypt(r.email.trim(), {
        table: 'iam_officer_roster',
        column: 'email_cipher',
        row: emailHash,
      }),
      piiKeyId: this.cipher.currentKid,
    };
    await db.iamOfficerRoster.upsert({ where: { emailHash }, create: { emailHash, ...data }, update: data });
    return { created: !existing, emailHash };
  }

  async verifiedCitizensByEmailHash(db: Db, emailHash: string): Promise<AccountRow[]> {
    return (
      await db.iamAccount.findMany({
        where: { emailHash, emailVerified: true, role: 'citizen' },
        select: ROW,
      })
    ).map(toRow);
  }

  /** Officer accounts of an e-mail (a retired roster entry takes their role). */
  async officersByEmailHash(db: Db, emailHash: string): Promise<AccountRow[]> {
    return (
      await db.iamAccount.findMany({
        where: { emailHash, role: 'officer' },
        select: ROW,
      })
    ).map(toRow);
  }

  async pendingAdminGrant(db: Db, email: string): Promise<boolean> {
    const g = await db.iamAdminGrant.findUnique({
      where: { emailHash: this.cipher.blindIndex('email', email) },
      select: { appliedAt: true },
    });
    return g !== null && g.appliedAt === null;
  }

  async markAdminGrantApplied(db: Db, email: string, accountId: string): Promise<void> {
    await db.iamAdminGrant.update({
      where: { emailHash: this.cipher.blindIndex('email', email) },
      data: { appliedAt: new Date(), accountId },
    });
  }

  async createAdminGrant(db: Db, email: string): Promise<void> {
    const emailHash = this.cipher.blindIndex('email', email);
    await db.iamAdminGrant.upsert({
      where: { emailHash },
      create: {
        emailHash,
        emailCipher: this.cipher.encrypt(email.trim(), {
          table: 'iam_admin_grant',
          column: 'email_cipher',
          row: emailHash,
        }),
        piiKeyId: this.cipher.currentKid,
      },
      update: { appliedAt: null, accountId: null },
    });
  }

  async views(ids: string[]): Promise<AccountView[]> {
    const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (valid.length === 0) return [];
    const rows = await this.prisma.iamAccount.findMany({
      where: { id: { in: valid } },
      select: { id: true, role: true, status: true, phoneCipher: true, phoneVerifiedAt: true },
    });
    return rows.map((r) => this.toView(r));
  }

  /** The view of an account row (the phone decrypted, then masked). */
  toView(r: {
    id: string;
    role: string;
    status: string;
    phoneCipher: string | null;
    phoneVerifiedAt: Date | null;
  }): AccountView {
    return {
      id: r.id,
      role: r.role as Role,
      status: r.status as AccountStatus,
      phoneMasked:
        r.phoneCipher && r.phoneVerifiedAt
          ? maskPhone(
              this.cipher.decrypt(r.phoneCipher, { table: 'iam_account', column: 'phone_cipher', row: r.id }),
            )
          : null,
    };
  }
}
