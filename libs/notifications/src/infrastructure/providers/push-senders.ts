import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  createResiliencePolicy,
  TaskCancelledError,
  type Env,
  type ResiliencePolicy,
} from '@heyblue/platform';
import type { PushPlatform } from '../../domain/device.js';
import type { PushMessage } from '../../domain/push-rules.js';
import { ApnsSender } from './apns.sender.js';
import { FcmSender, parseServiceAccount } from './fcm.sender.js';
import { PushOutboxStore } from './outbox.sender.js';
import { PermanentPushError, TransientPushError } from './push-errors.js';
import type { PushSender } from './push-sender.js';

/**
 * The configured providers, each behind the platform's resilience policy (timeout per attempt,
 * one quick in-call retry, a circuit breaker that only transient failures trip); the job's own
 * retries with backoff come on top. In development mode (or PUSH_ADAPTER=outbox) pushes are
 * kept for GET /dev/push instead.
 */
@Injectable()
export class PushSenders implements OnApplicationShutdown {
  private readonly entries = new Map<PushPlatform, { sender: PushSender; policy: ResiliencePolicy }>();
  readonly adapter: 'providers' | 'outbox';

  constructor(
    config: ConfigService<Env, true>,
    private readonly kept: PushOutboxStore,
  ) {
    const get = <K extends keyof Env>(k: K) => config.get(k, { infer: true }) as Env[K];
    const devMode = get('HEYBLUE_DEV_MODE') && get('NODE_ENV') !== 'production';
    this.adapter = get('PUSH_ADAPTER') ?? (devMode ? 'outbox' : 'providers');
    const senders: PushSender[] = [];
    const projectId = get('FCM_PROJECT_ID');
    const account = get('FCM_SERVICE_ACCOUNT_JSON');
    if (projectId && account)
      senders.push(new FcmSender(projectId, parseServiceAccount(account), get('FCM_BASE_URL')));
    const [key, keyId, teamId, topic] = [
      get('APNS_KEY'),
      get('APNS_KEY_ID'),
      get('APNS_TEAM_ID'),
      get('APNS_TOPIC'),
    ];
    if (key && keyId && teamId && topic)
      senders.push(
        new ApnsSender({ key, keyId, teamId, topic, baseUrl: get('APNS_BASE_URL'), ca: get('APNS_CA_CERT') }),
      );
    const backoff = get('PUSH_BACKOFF_MS');
    for (const sender of senders) {
      const policy = createResiliencePolicy(
        `push.${sender.platform}`,
        {
          timeoutMs: get('PUSH_TIMEOUT_MS'),
          retries: 1,
          backoffMs: Math.min(backoff, 1_000),
          breakerThreshold: 5,
          halfOpenAfterMs: Math.max(backoff * 2, 1_000),
        },
        (err) => err instanceof TransientPushError || err instanceof TaskCancelledError,
      );
      this.entries.set(sender.platform, { sender, policy });
    }
  }

  async send(platform: PushPlatform, token: string, message: PushMessage): Promise<void> {
    if (this.adapter === 'outbox') return this.kept.keep(platform, token, message);
    const entry = this.entries.get(platform);
    if (!entry) throw new PermanentPushError(`${platform} is not configured`);
    await entry.policy.execute((signal) => entry.sender.send(token, message, signal));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.sender.close?.()));
  }
}
