import { createHmac } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import client from 'prom-client';
import type { Env } from '../config/environment.js';

const deadLettered = new client.Counter({
  name: 'heyblue_dead_lettered_total',
  help: 'Deliveries dead-lettered (event handlers, social posts, pushes), by source',
  labelNames: ['source'],
});
const alertsSent = new client.Counter({
  name: 'heyblue_alert_webhook_total',
  help: 'Dead-letter alert webhook messages, by outcome (sent, failed after its retries)',
  labelNames: ['outcome'],
});

/** One dead letter as the alert tells it: where it failed, never its payload. */
export interface DeadLetterNotice {
  source: string;
  target: string;
  eventType?: string | null;
  error: string;
}

interface Burst {
  count: number;
  from: Date;
  to: Date;
  bySource: Record<string, number>;
  byTarget: Record<string, number>;
  samples: Array<{ source: string; target: string; eventType: string | null; error: string }>;
}

/** Delays between the attempts of one message (then it is given up, logged and counted). */
export const ALERT_RETRY_DELAYS_MS = [1_000, 4_000];
const ATTEMPT_TIMEOUT_MS = 5_000;
const MAX_SAMPLES = 5;

/**
 * Operators hear about dead letters: every one counts in `heyblue_dead_lettered_total{source}`
 * (the Prometheus rule in deploy/prometheus alerts on it), and with `ALERT_WEBHOOK_URL` set the
 * instance POSTs one message per burst: the first dead letter after a quiet spell opens a window
 * of `ALERT_WEBHOOK_BURST_S`, and when it closes one message tells how many died, where, with a
 * few samples (never payloads). Signed with `X-HeyBlue-Signature: sha256=<HMAC of the body>`
 * (`ALERT_WEBHOOK_SECRET`), retried twice. `notify` returns at once and never throws: a slow or
 * dead receiver cannot hold up a consumer.
 */
@Injectable()
export class DeadLetterAlerts implements OnModuleDestroy {
  private readonly logger = new Logger('DeadLetterAlerts');
  private readonly url: string | undefined;
  private readonly secret: string | undefined;
  private readonly burstMs: number;
  private burst: Burst | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The message being delivered (tests and shutdown wait for it). */
  private sending: Promise<void> = Promise.resolve();

  constructor(config: ConfigService<Env, true>) {
    this.url = config.get('ALERT_WEBHOOK_URL', { infer: true });
    this.secret = config.get('ALERT_WEBHOOK_SECRET', { infer: true });
    this.burstMs = config.get('ALERT_WEBHOOK_BURST_S', { infer: true }) * 1000;
  }

  notify(d: DeadLetterNotice): void {
    deadLettered.inc({ source: d.source });
    if (!this.url || this.closed) return;
    const now = new Date();
    if (!this.burst) {
      this.burst = { count: 0, from: now, to: now, bySource: {}, byTarget: {}, samples: [] };
      this.timer = setTimeout(() => this.flush(), this.burstMs);
      this.timer.unref();
    }
    const b = this.burst;
    b.count++;
    b.to = now;
    b.bySource[d.source] = (b.bySource[d.source] ?? 0) + 1;
    b.byTarget[d.target] = (b.byTarget[d.target] ?? 0) + 1;
    if (b.samples.length < MAX_SAMPLES)
      b.samples.push({
        source: d.source,
        target: d.target,
        eventType: d.eventType ?? null,
        error: (d.error.split('\n')[0] ?? '').slice(0, 200),
      });
  }

  /** Resolves once the message in flight (if any) is delivered or given up. */
  settled(): Promise<void> {
    return this.sending;
  }

  onModuleDestroy(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    const b = this.burst;
    this.burst = null;
    this.timer = null;
    if (!b || !this.url) return;
    const body = JSON.stringify({
      type: 'dead_letters',
      count: b.count,
      from: b.from.toISOString(),
      to: b.to.toISOString(),
      bySource: b.bySource,
      byTarget: b.byTarget,
      samples: b.samples,
      instance: hostname(),
      hint: 'GET /api/v1/admin/dead-letters lists them; POST /api/v1/admin/dead-letters/{id}/replay replays one',
    });
    this.sending = this.sending.then(() => this.deliver(this.url!, body));
  }

  private async deliver(url: string, body: string): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-heyblue-event': 'dead_letters',
    };
    if (this.secret)
      headers['x-heyblue-signature'] =
        `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`;
    let last = '';
    for (let attempt = 0; attempt <= ALERT_RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, ALERT_RETRY_DELAYS_MS[attempt - 1]).unref());
      if (this.closed) return;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        });
        await res.body?.cancel();
        if (res.ok) {
          alertsSent.inc({ outcome: 'sent' });
          return;
        }
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
    }
    alertsSent.inc({ outcome: 'failed' });
    this.logger.error(
      `dead-letter alert not delivered after ${ALERT_RETRY_DELAYS_MS.length + 1} attempts: ${last}`,
    );
  }
}
