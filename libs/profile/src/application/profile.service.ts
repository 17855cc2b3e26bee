import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditActor } from '@heyblue/iam';
import { NotFound, OutboxService, PrismaService } from '@heyblue/platform';
import { asRole, changedFields, type ProfileEdits, type ProfileRole } from '../domain/profile.js';
import { ProfileUpdated } from '../events/profile-updated.integration-event.js';
import { PrismaProfileStore, type ProfileRecord } from '../infrastructure/prisma-profile.store.js';
import { AccountDirectory, type AccountSummary } from './ports.js';
import { toProfileView, toPublicView, type ProfileView, type PublicProfileView } from './profile.views.js';

export interface MeView {
  account: { id: string; role: string; phone: string | null };
  profile: ProfileView;
}

/** The profile use cases: my profile (created on first read if AccountCreated is in flight), edits, public view. */
@Injectable()
export class ProfileService {
  constructor(
    private readonly store: PrismaProfileStore,
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly accounts: AccountDirectory,
    private readonly audit: AuditTrail,
  ) {}

  async me(caller: { id: string; role: string }): Promise<MeView> {
    const [found, row] = await Promise.all([
      this.accounts.signedInAccount(caller),
      this.store.find(this.prisma, caller.id),
    ]);
    const account: AccountSummary = found ?? { id: caller.id, role: asRole(caller.role), phoneMasked: null };
    return {
      account: { id: account.id, role: account.role, phone: account.phoneMasked },
      profile: await this.mine(account.id, account.role, row),
    };
  }

  /** My profile; a default one is made when AccountCreated has not been projected yet (no 404 for a fresh account). */
  async mine(accountId: string, role: ProfileRole, known?: ProfileRecord | null): Promise<ProfileView> {
    let row = known !== undefined ? known : await this.store.find(this.prisma, accountId);
    if (!row) {
      await this.store.ensure(this.prisma, accountId, role);
      row = await this.store.find(this.prisma, accountId);
    } else if (row.role !== role) {
      await this.store.syncRole(accountId, role);
      row = { ...row, role };
    }
    if (!row) throw new Error('profile vanished after creation');
    return toProfileView(row);
  }

  async update(
    caller: { id: string; role: string },
    patch: ProfileEdits,
    actor: AuditActor,
  ): Promise<ProfileView> {
    await this.store.ensure(this.prisma, caller.id, asRole(caller.role));
    const { view, changed } = await this.prisma.$transaction(async (tx) => {
      // Locked so concurrent edits each compare against the value the previous one wrote.
      await this.store.lock(tx, caller.id);
      const before = await this.store.find(tx, caller.id);
      if (!before) throw new Error('profile vanished');
      const changed = changedFields(before, patch);
      if (changed.length === 0) {
        this.audit.unchanged();
        return { view: toProfileView(before), changed };
      }
      await this.store.update(tx, caller.id, patch);
      const row = await this.store.find(tx, caller.id);
      if (!row) throw new Error('profile vanished');
      await this.outbox.publish(
        tx,
        new ProfileUpdated({
          accountId: caller.id,
          changed,
          displayName: row.displayName,
          zip: row.zip,
          shareConsent: row.shareConsent,
          updatedAt: new Date().toISOString(),
        }),
      );
      // The field names only: what a profile says is the person's, not the trail's.
      await this.audit.record(
        { actor, action: 'profile_updated', targetId: caller.id, detail: { changed } },
        tx,
      );
      return { view: toProfileView(row), changed };
    });
    if (changed.length > 0) this.outbox.kick();
    return view;
  }

  async publicProfile(id: string): Promise<PublicProfileView> {
    const row = await this.store.findPublic(id);
    if (!row) throw new NotFound('Profile', 'PROFILE_NOT_FOUND');
    return toPublicView(row);
  }
}
