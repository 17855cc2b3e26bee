import { Injectable } from '@nestjs/common';
import { OutboxService, PrismaService } from '@heyblue/platform';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Role } from '../domain/account.js';
import { IamErrors } from '../domain/iam.errors.js';
import { codeVerifierMustMatchChallenge } from '../domain/rules/code-verifier-must-match-challenge.rule.js';
import { isWebRedirect } from '../domain/sign-in-client.js';
import { AccountCreated } from '../events/account-created.integration-event.js';
import { AccountRoleChanged } from '../events/account-role-changed.integration-event.js';
import { IamConfig } from '../infrastructure/iam-config.js';
import { OidcClients, type VerifiedIdentity } from '../infrastructure/oidc-clients.js';
import { PrismaAccountsRepository, type AccountRow } from '../infrastructure/prisma-accounts.repository.js';
import { PrismaAuditRepository } from '../infrastructure/prisma-audit.repository.js';
import { RedisFlowStore } from '../infrastructure/redis-flow.store.js';
import { newToken } from '../infrastructure/tokens.js';
import type { RequestMeta } from './request-meta.js';
import { SessionService, type SessionView } from './session.service.js';

export type CallbackResult =
  { status: 'active'; session: SessionView } | { status: 'phone_required'; registrationToken: string };

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === 'P2002';

/** OIDC authorization-code sign-in (PKCE, state, nonce) and first-sign-in registration. */
@Injectable()
export class SignInService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly clients: OidcClients,
    private readonly flows: RedisFlowStore,
    private readonly accounts: PrismaAccountsRepository,
    private readonly audit: PrismaAuditRepository,
    private readonly sessions: SessionService,
    private readonly config: IamConfig,
  ) {}

  providers(): Array<{ id: string; name: string }> {
    return this.clients.list();
  }

  async start(
    providerId: string,
    redirectUri: string,
    codeChallenge: string,
  ): Promise<{ authorizationUrl: string; state: string }> {
    const provider = this.clients.provider(providerId);
    if (!this.clients.allowedRedirectUris(provider).includes(redirectUri))
      throw IamErrors.redirectUriNotAllowed();
    const state = randomBytes(24).toString('base64url');
    const pending = { provider: provider.id, redirectUri, codeChallenge, nonce: oidc.randomNonce() };
    const authorizationUrl = await this.clients.authorizationUrl(provider, pending, state);
    await this.flows.putSignIn(state, pending, this.config.stateTtlS);
    return { authorizationUrl, state };
  }

  /**
   * The state is taken (spent) first, then the client's PKCE verifier is checked against the
   * challenge before the code goes anywhere: an intercepted redirect cannot be redeemed, nor
   * tried again. A mobile sign-in is active only on the device the account's verified phone
   * is bound to; the dashboard (a web redirect URI) is never a phone device and always steps
   * up with an OTP.
   */
  async callback(
    state: string,
    code: string,
    codeVerifier: string | undefined,
    deviceId: string,
    meta: RequestMeta,
  ): Promise<CallbackResult> {
    const pending = await this.flows.takeSignIn(state);
    if (!pending) {
      await this.audit.record({ action: 'sign_in_failed', ...meta, detail: { reason: 'INVALID_STATE' } });
      throw IamErrors.invalidState();
    }
    let identity: VerifiedIdentity;
    try {
      const verifier = codeVerifierMustMatchChallenge(codeVerifier, pending.codeChallenge);
      identity = await this.clients.exchange(
        this.clients.provider(pending.provider),
        pending,
        state,
        code,
        verifier,
      );
      if (!identity.email) throw IamErrors.emailRequired();
    } catch (err) {
      await this.audit.record({
        action: 'sign_in_failed',
        ...meta,
        detail: { provider: pending.provider, reason: (err as { code?: string }).code ?? 'ERROR' },
      });
      throw err;
    }
    const account = await this.resolveAccount(
      pending.provider,
      identity as VerifiedIdentity & { email: string },
    );
    if (account.status === 'suspended') {
      await this.audit.record({
        action: 'sign_in_failed',
        targetId: account.id,
        ...meta,
        detail: { provider: pending.provider, reason: 'ACCOUNT_SUSPENDED' },
      });
      throw IamErrors.accountSuspended();
    }
    const web = isWebRedirect(pending.redirectUri);
    const boundDevice =
      account.phoneVerified && !web ? await this.accounts.boundDevice(this.prisma, account.id) : null;
    if (web || boundDevice === null || deviceId !== boundDevice) {
      const registrationToken = newToken('hbg');
      await this.flows.putRegistration(
        registrationToken,
        { accountId: account.id, ...(web ? { web: true } : {}) },
        this.config.registrationTtlS,
      );
      await this.audit.record({
        actorId: account.id,
        action: 'sign_in_phone_required',
        targetId: account.id,
        ...meta,
        detail: {
          provider: pending.provider,
          newDevice: account.phoneVerified && !web,
          stepUp: web && account.phoneVerified,
        },
      });
      return { status: 'phone_required', registrationToken };
    }
    const session = await this.prisma.$transaction(async (tx) => {
      const s = await this.sessions.issue(tx, account, boundDevice);
      await this.audit.record(
        {
          actorId: account.id,
          action: 'sign_in',
          targetId: account.id,
          ...meta,
          detail: { provider: pending.provider, sessionId: s.sessionId },
        },
        tx,
      );
      return s;
    });
    const { sessionId: _sid, ...view } = session;
    return { status: 'active', session: view };
  }

  /** Finds the account by (provider, subject), links by verified e-mail, or creates it. */
  private async resolveAccount(
    provider: string,
    id: VerifiedIdentity & { email: string },
  ): Promise<AccountRow> {
    for (let attempt = 0; ; attempt++) {
      try {
        const account = await this.prisma.$transaction(async (tx) => {
          let account = await this.accounts.byIdentity(tx, provider, id.subject);
          if (!account && id.emailVerified) {
            account = await this.accounts.byVerifiedEmail(tx, id.email);
            if (account) await this.accounts.linkIdentity(tx, account.id, provider, id.subject);
          }
          if (!account) {
            // Roles tied to an e-mail need the provider to vouch for that e-mail.
            const adminGrant = id.emailVerified && (await this.accounts.pendingAdminGrant(tx, id.email));
            const roster = id.emailVerified ? await this.accounts.rosterEntry(tx, id.email) : null;
            const role: Role = adminGrant ? 'admin' : roster ? 'officer' : 'citizen';
            account = await this.accounts.create(tx, {
              role,
              email: id.email,
              emailVerified: id.emailVerified,
              displayName: id.name,
              provider,
              subject: id.subject,
            });
            if (adminGrant) await this.accounts.markAdminGrantApplied(tx, id.email, account.id);
            await this.outbox.publish(
              tx,
              new AccountCreated({
                accountId: account.id,
                role,
                displayName: id.name,
                precinct: roster?.precinct ?? null,
              }),
            );
            return account;
          }
          if (
            account.role !== 'admin' &&
            id.emailVerified &&
            (await this.accounts.pendingAdminGrant(tx, id.email))
          ) {
            await this.accounts.setRole(tx, account.id, 'admin');
            await this.accounts.markAdminGrantApplied(tx, id.email, account.id);
            await this.outbox.publish(
              tx,
              new AccountRoleChanged({
                accountId: account.id,
                previousRole: account.role,
                role: 'admin',
                changedBy: null,
                precinct: null,
              }),
            );
            account = { ...account, role: 'admin' };
          }
          return account;
        });
        this.outbox.kick();
        return account;
      } catch (err) {
        // Two first sign-ins of one identity raced: the loser finds the winner's account.
        if (isUniqueViolation(err) && attempt === 0) continue;
        throw err;
      }
    }
  }
}
