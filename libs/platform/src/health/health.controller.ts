import { Controller, Get, Logger, Req, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { PrismaService } from '../database/prisma.service.js';
import { ReadReplicas } from '../database/read-replicas.js';
import { DomainError } from '../errors/domain-error.js';
import { OutboxAmqpPublisher } from '../outbox/outbox.amqp-publisher.js';
import { withTimeout } from '../outbox/queue.factory.js';
import { isCluster, RedisService } from '../redis/redis.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly amqp: OutboxAmqpPublisher,
    private readonly replicas: ReadReplicas,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and serving.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: PostgreSQL and Redis answer (503 NOT_READY otherwise). It also reports the RabbitMQ broker (with AMQP_URL) and the PostgreSQL replicas (with DATABASE_REPLICA_URLS; degraded when one is out of rotation), neither of which ever makes it unready.',
  })
  async ready(@Req() request: FastifyRequest): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.check('postgres', () => this.prisma.$queryRaw`SELECT 1`),
        () =>
          this.check(
            'redis',
            () => this.pingRedis(),
            this.redis.cluster ? { mode: 'cluster' } : { mode: 'single' },
          ),
        // The RabbitMQ bus serves other systems, not users: while it is down the events wait in
        // the outbox, so it is reported here but never makes the instance unready.
        ...(this.amqp.enabled
          ? [
              () =>
                this.indicators
                  .check('amqp')
                  .up({ broker: this.amqp.connected ? 'connected' : 'unreachable' }),
            ]
          : []),
        ...(this.replicas.configured ? [() => this.replicaState()] : []),
      ]);
    } catch (err) {
      if (err instanceof ServiceUnavailableException) {
        // The probe is public: driver messages name hosts, ports and users. They go to the log,
        // under the request id the answer carries; the answer only says which dependency is down.
        const result = err.getResponse() as HealthCheckResult;
        this.logger.warn({ reqId: request.id, checks: result.details }, 'not ready');
        const details = Object.fromEntries(
          Object.entries(result.details ?? {}).map(([name, d]) => [name, { status: d.status }]),
        );
        throw new DomainError('NOT_READY', 'A dependency is not ready.', 503, {
          checks: { status: 'error', details },
        });
      }
      throw err;
    }
  }

  /**
   * Always up: with every replica out of rotation the primary serves their reads, slower but
   * correct. `degraded` says that some are out (which, and why, from the last check).
   */
  private replicaState() {
    const replicas = this.replicas.status();
    const inRotation = replicas.filter((r) => r.inRotation).length;
    return this.indicators.check('postgres_replicas').up({
      state: inRotation === replicas.length ? 'ok' : 'degraded',
      inRotation,
      replicas: replicas.map((r) => ({
        name: r.name,
        state: r.state,
        lagSeconds: r.lagSeconds === null ? null : Math.round(r.lagSeconds * 1000) / 1000,
      })),
    });
  }

  /** On a Redis Cluster every master must answer: a key's slot may live on any of them. */
  private async pingRedis(): Promise<unknown> {
    const client = this.redis.client;
    if (!isCluster(client)) return client.ping();
    if (client.status !== 'ready') throw new Error(`cluster ${client.status}`);
    return Promise.all(client.nodes('master').map((node) => node.ping()));
  }

  private async check(key: string, probe: () => Promise<unknown>, details: Record<string, unknown> = {}) {
    const session = this.indicators.check(key);
    try {
      await withTimeout(probe(), 2_000);
      return session.up(details);
    } catch (err) {
      return session.down({ ...details, message: (err as Error).message.slice(0, 200) });
    }
  }
}
