import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { validateEnvironment } from './config/environment.js';
import { PrismaService } from './database/prisma.service.js';
import { ReadReplicas } from './database/read-replicas.js';
import { ProblemDetailsFilter } from './errors/problem-details.filter.js';
import { createValidationPipe } from './errors/validation.js';
import { HealthController } from './health/health.controller.js';
import { loggerParams } from './logging/logging.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';
import { DeadLetterAlerts } from './outbox/dead-letter-alerts.js';
import { DeadLetterService } from './outbox/dead-letter.service.js';
import { EventConsumers } from './outbox/event-consumers.js';
import { EventLag } from './outbox/event-lag.js';
import { OutboxAmqpPublisher } from './outbox/outbox.amqp-publisher.js';
import { OutboxRedelivery } from './outbox/outbox.redelivery.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { OutboxService } from './outbox/outbox.service.js';
import { QueueFactory } from './outbox/queue.factory.js';
import { RateLimitGuard, RateLimiter } from './rate-limit/rate-limit.js';
import { RedisService } from './redis/redis.service.js';

const SHARED = [
  PrismaService,
  ReadReplicas,
  RedisService,
  QueueFactory,
  OutboxService,
  EventConsumers,
  EventLag,
  OutboxRelay,
  OutboxRedelivery,
  OutboxAmqpPublisher,
  DeadLetterService,
  DeadLetterAlerts,
  MetricsService,
  RateLimiter,
];

/** The shared kernel: config, logging, database, cache, outbox, errors, health, metrics, limits. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: { env?: Record<string, string | undefined> } = {}): DynamicModule {
    const raw = { ...process.env, ...options.env };
    const env = validateEnvironment(raw);
    return {
      module: PlatformModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          skipProcessEnv: true,
          isGlobal: true,
          load: [() => ({ ...env })],
        }),
        LoggerModule.forRoot(loggerParams(env.LOG_LEVEL)),
        TerminusModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        ...SHARED,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
      exports: [...SHARED, ConfigModule],
    };
  }
}
