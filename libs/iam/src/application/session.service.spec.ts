import type { AccessRevocations, AccessRevokedInfo } from '../infrastructure/access-revocations.js';
import type { IamConfig } from '../infrastructure/iam-config.js';
import type { AuditInput, PrismaAuditRepository } from '../infrastructure/prisma-audit.repository.js';
import type {
  PrismaSessionsRepository,
  RotateResult,
  SessionLookup,
} from '../infrastructure/prisma-sessions.repository.js';
import { SessionService } from './session.service.js';

interface Row {
  id: string;
  accountId: string;
  accessTokenHash: string;
  accessExpiresAt: Date;
  refreshTokenHash: string;
  revokedAt: Date | null;
  revokedReason?: string;
  createdAt: Date;
}

/** In-memory stand-in for the sessions table, with the same rotation semantics. */
class FakeSessions {
  rows: Row[] = [];
  rotated = new Map<string, string>();
  status: 'active' | 'suspended' = 'active';
  role: 'citizen' | 'admin' = 'citizen';

  async create(_db: unknown, s: Omit<Row, 'id' | 'revokedAt' | 'createdAt'>): Promise<string> {
    const id = `s${this.rows.length + 1}`;
    this.rows.push({ ...s, id, revokedAt: null, createdAt: new Date() });
    return id;
  }
  async findByAccessHash(hash: string): Promise<SessionLookup | null> {
    const r = this.rows.find((x) => x.accessTokenHash === hash);
    return r
      ? {
          sessionId: r.id,
          accountId: r.accountId,
          role: this.role,
          status: this.status,
          accessExpiresAt: r.accessExpiresAt,
          revokedAt: r.revokedAt,
          createdAt: r.createdAt,
          phoneCipher: null,
          phoneVerifiedAt: null,
        }
      : null;
  }
  async rotate(
    oldHash: string,
    next: { accessTokenHash: string; accessExpiresAt: Date; refreshTokenHash: string },
  ): Promise<RotateResult> {
    const r = this.rows.find((x) => x.refreshTokenHash === oldHash);
    if (r && !r.revokedAt) {
      Object.assign(r, next);
      this.rotated.set(oldHash, r.id);
      return {
        kind: 'rotated',
        sessionId: r.id,
        accountId: r.accountId,
        role: this.role,
        status: this.status,
        createdAt: r.createdAt,
      };
    }
    if (r) return { kind: 'unknown' };
    const sid = this.rotated.get(oldHash);
    const s = this.rows.find((x) => x.id === sid);
    return s ? { kind: 'reused', sessionId: s.id, accountId: s.accountId } : { kind: 'unknown' };
  }
  async revoke(id: string, reason: string): Promise<boolean> {
    const r = this.rows.find((x) => x.id === id && !x.revokedAt);
    if (!r) return false;
    r.revokedAt = new Date();
    r.revokedReason = reason;
    return true;
  }
}

describe('SessionService', () => {
  let repo: FakeSessions;
  let published: AccessRevokedInfo[];
  let audited: AuditInput[];
  let service: SessionService;

  beforeEach(() => {
    repo = new FakeSessions();
    published = [];
    const revocations = {
      publish: async (i: AccessRevokedInfo[]) => void published.push(...i),
    } as unknown as AccessRevocations;
    audited = [];
    const audit = {
      record: async (e: AuditInput) => void audited.push(e),
    } as unknown as PrismaAuditRepository;
    service = new SessionService(
      repo as unknown as PrismaSessionsRepository,
      revocations,
      { accessTokenTtlS: 900, adminSessionTtlS: 43_200 } as IamConfig,
      audit,
    );
  });

  const issue = () => service.issue({} as never, { id: 'a1', role: 'citizen' }, 'd1');

  it('stores only hashes of the tokens it hands out', async () => {
    const s = await issue();
    expect(JSON.stringify(repo.rows)).not.toContain(s.accessToken);
    expect(JSON.stringify(repo.rows)).not.toContain(s.refreshToken);
    await expect(service.authenticate(s.accessToken)).resolves.toEqual({
      id: 'a1',
      role: 'citizen',
      sessionId: s.sessionId,
    });
  });

  it('refuses an expired access token while the session lives on through refresh', async () => {
    const s = await issue();
    repo.rows[0]!.accessExpiresAt = new Date(Date.now() - 1);
    await expect(service.authenticate(s.accessToken)).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
      status: 401,
    });
    const next = await service.refresh(s.refreshToken);
    await expect(service.authenticate(next.accessToken)).resolves.toMatchObject({ id: 'a1' });
  });

  it('refuses every token of a suspended account with ACCOUNT_SUSPENDED', async () => {
    const s = await issue();
    repo.status = 'suspended';
    await expect(service.authenticate(s.accessToken)).rejects.toMatchObject({
      code: 'ACCOUNT_SUSPENDED',
      status: 403,
    });
    await expect(service.refresh(s.refreshToken)).rejects.toMatchObject({ code: 'ACCOUNT_SUSPENDED' });
  });

  it('ends the session and tells every instance when a rotated refresh token comes back', async () => {
    const s = await issue();
    const next = await service.refresh(s.refreshToken);
    await expect(service.refresh(s.refreshToken)).rejects.toMatchObject({
      code: 'REFRESH_TOKEN_REUSED',
      status: 401,
    });
    expect(repo.rows[0]!.revokedReason).toBe('refresh_reuse');
    expect(published).toEqual([{ accountId: 'a1', sessionId: s.sessionId }]);
    await expect(service.authenticate(next.accessToken)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(service.refresh(next.refreshToken)).rejects.toMatchObject({ code: 'REFRESH_TOKEN_INVALID' });
  });

  it('logs out one session, announces it and audits it', async () => {
    const s = await issue();
    await service.logout({ id: 'a1', role: 'citizen', sessionId: s.sessionId }, { ip: '10.0.0.9' });
    await expect(service.authenticate(s.accessToken)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    expect(published).toEqual([{ accountId: 'a1', sessionId: s.sessionId }]);
    expect(audited).toEqual([
      { actorId: 'a1', action: 'logout', targetId: 'a1', ip: '10.0.0.9', detail: { sessionId: s.sessionId } },
    ]);
  });

  it('announces and audits a logout once when two requests of one session log out together', async () => {
    const s = await issue();
    const caller = { id: 'a1', role: 'citizen' as const, sessionId: s.sessionId };
    await Promise.all([service.logout(caller), service.logout(caller)]);
    expect(published).toHaveLength(1);
    expect(audited).toHaveLength(1);
  });

  it('ends an admin session 12 hours after sign-in, however recently it was refreshed, and announces it', async () => {
    repo.role = 'admin';
    const s = await issue();
    const fresh = await service.refresh(s.refreshToken);
    await expect(service.authenticate(fresh.accessToken)).resolves.toMatchObject({ role: 'admin' });
    repo.rows[0]!.createdAt = new Date(Date.now() - 43_200_000);
    await expect(service.authenticate(fresh.accessToken)).rejects.toMatchObject({
      code: 'SESSION_EXPIRED',
      status: 401,
    });
    expect(repo.rows[0]!.revokedReason).toBe('expired');
    expect(published).toEqual([{ accountId: 'a1', sessionId: s.sessionId }]);
    await expect(service.refresh(fresh.refreshToken)).rejects.toMatchObject({
      code: 'REFRESH_TOKEN_INVALID',
    });
  });

  it('refuses to refresh an admin session past its age', async () => {
    repo.role = 'admin';
    const s = await issue();
    repo.rows[0]!.createdAt = new Date(Date.now() - 43_200_001);
    await expect(service.refresh(s.refreshToken)).rejects.toMatchObject({
      code: 'SESSION_EXPIRED',
      status: 401,
    });
  });

  it('keeps an app session of any other role alive however old it is', async () => {
    const s = await issue();
    repo.rows[0]!.createdAt = new Date(Date.now() - 400 * 86_400_000);
    const next = await service.refresh(s.refreshToken);
    await expect(service.authenticate(next.accessToken)).resolves.toMatchObject({ role: 'citizen' });
  });
});
