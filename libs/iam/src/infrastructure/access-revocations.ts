import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { RedisService, closeRedis, type RedisClient } from '@heyblue/platform';

export interface AccessRevokedInfo {
  accountId: string;
  /** Absent when every socket of the account must go (suspension, role change). */
  sessionId?: string;
  /**
   * Why: a session ended (logout, `DELETE /me/sessions/{id}`, refresh reuse), the account was
   * suspended, or its role changed (its sessions live on, but a socket authorised for the old
   * role must be re-authorised: the client reconnects). Absent means a session ended.
   */
  reason?: 'session_ended' | 'suspended' | 'role_changed';
}

/**
 * Tells every instance that sessions ended or an account's access changed (Redis pub/sub), so
 * socket gateways can drop connections at once. Token checks themselves never rely on this: they read PostgreSQL.
 */
@Injectable()
export class AccessRevocations implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AccessRevocations');
  private readonly listeners = new Set<(info: AccessRevokedInfo) => void>();
  private subscriber?: RedisClient;
  private readonly channel: string;

  constructor(private readonly redis: RedisService) {
    this.channel = redis.key('iam', 'access-revoked');
  }

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.duplicate({ maxRetriesPerRequest: null }, 'iam-revocations');
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      let info: AccessRevokedInfo;
      try {
        info = JSON.parse(message) as AccessRevokedInfo;
      } catch {
        return;
      }
      for (const l of this.listeners) {
        try {
          l(info);
        } catch (err) {
          this.logger.warn(`access-revoked listener failed: ${(err as Error).message}`);
        }
      }
    });
    await subscriber.subscribe(this.channel);
  }

  async onModuleDestroy(): Promise<void> {
    await closeRedis(this.subscriber);
  }

  on(listener: (info: AccessRevokedInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(infos: AccessRevokedInfo[]): Promise<void> {
    for (const info of infos) {
      await this.redis.client
        .publish(this.channel, JSON.stringify(info))
        .catch((err: Error) => this.logger.warn(`publish failed: ${err.message}`));
    }
  }
}
