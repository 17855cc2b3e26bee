/** The shared kernel module (config, Prisma, Redis, outbox, errors, health, metrics, rate limits). */
export { PlatformModule } from './platform.module.js';
/** Environment schema and its validator. */
export {
  Environment,
  REQUIRED_KEYS,
  secretVariables,
  validateEnvironment,
  type Env,
  type ValidateOptions,
} from './config/environment.js';
/** Prisma client of the process and the transaction client type. */
export { PrismaService, type Tx } from './database/prisma.service.js';
/** PostgreSQL replicas for reads that may lag by a second (DATABASE_REPLICA_URLS), the primary when none is in rotation. */
export {
  ReadReplicas,
  type ReadClient,
  type ReplicaState,
  type ReplicaStatus,
} from './database/read-replicas.js';
/** A text array parameter as one PostgreSQL array literal. */
export { pgArray } from './database/array-literal.js';
/** One statement for the lookups of one event-loop turn (DataLoader, no cache), and rows put in key order. */
export { tickBatcher, alignByKey, type TickBatcherOptions } from './database/tick-batcher.js';
/** SQL migration runner keeping Prisma's `_prisma_migrations` bookkeeping. */
export { migrate, MigrationChecksumMismatch, type MigrationResult } from './database/migrator.js';
/** Redis connections. */
export {
  RedisService,
  createRedis,
  createCluster,
  closeRedis,
  clusterSettings,
  isCluster,
  type RedisClient,
  type ClusterSettings,
} from './redis/redis.service.js';
export {
  socketIoRedisAdapter,
  SOCKET_RECOVERY_MS,
  type SocketIoRedisAdapter,
} from './redis/socket-io-adapter.js';
/** Merges the commands a turn of the event loop issues on a connection into one socket write. */
export { writeCoalescer } from './redis/write-coalescer.js';
/** Domain error types mapped to problem+json by the global filter. */
export {
  DomainError,
  ValidationFailed,
  NotFound,
  Conflict,
  Forbidden,
  Unauthorized,
  ServiceUnavailable,
} from './errors/domain-error.js';
/** Problem+json rendering. */
export {
  ProblemDetailsFilter,
  toProblem,
  problem,
  isDependencyUnavailable,
  type Problem,
} from './errors/problem-details.filter.js';
/** The validation pipe used everywhere. */
export { createValidationPipe } from './errors/validation.js';
/** Integration events and the outbox. */
export {
  IntegrationEvent,
  envelopeOf,
  type EventEnvelope,
  type EventClass,
  type OutboxRow,
} from './outbox/integration-event.js';
export { OutboxService } from './outbox/outbox.service.js';
export { OutboxRelay } from './outbox/outbox.relay.js';
export { OutboxRedelivery } from './outbox/outbox.redelivery.js';
/** Publishes every integration event to RabbitMQ when AMQP_URL is set (outbox-driven, confirmed). */
export { OutboxAmqpPublisher } from './outbox/outbox.amqp-publisher.js';
export { EventLag, type EventBacklog, type EventQueueStatus } from './outbox/event-lag.js';
export {
  EventConsumers,
  deliveryJobId,
  eventQueueName,
  STALLED_TOO_OFTEN,
  type BatchEventHandler,
  type EventBatchJob,
  type EventHandler,
  type EventJob,
  type EventQueueJob,
  type SubscribeOptions,
} from './outbox/event-consumers.js';
export {
  DeadLetterService,
  type DeadLetterView,
  type DeadLetterReplayer,
} from './outbox/dead-letter.service.js';
/** Dead-letter alerts: the counter behind the Prometheus rule, and the optional burst webhook. */
export { DeadLetterAlerts, type DeadLetterNotice } from './outbox/dead-letter-alerts.js';
/** Bull queues on shared connections, and a timeout helper. */
export { QueueFactory, withTimeout } from './outbox/queue.factory.js';
/** Metrics. */
export {
  MetricsService,
  registry as metricsRegistry,
  socketConnections,
  httpDuration,
} from './metrics/metrics.service.js';
/** Redis-backed rate limits. */
export {
  parseRateLimitOverrides,
  RateLimit,
  RateLimiter,
  RateLimited,
  RateLimitGuard,
  RequestAccountResolver,
  rateLimitHeaders,
  type RateLimitRule,
  type RateLimitState,
} from './rate-limit/rate-limit.js';
/** Timeout + retry + circuit breaker for outbound calls. */
export {
  createResiliencePolicy,
  isUnavailableError,
  DEFAULT_RESILIENCE,
  BrokenCircuitError,
  TaskCancelledError,
  CircuitState,
  type ResilienceOptions,
  type ResiliencePolicy,
} from './resilience/resilience.js';
/** Log redaction paths (for tests and adapters that log). */
export { REDACT_PATHS, registerRequestLogging } from './logging/logging.js';
/** List plumbing: `?limit`/`?cursor` DTO, `{items, nextCursor}` pages, opaque keyset cursors. */
export {
  PageQueryDto,
  toPage,
  encodeCursor,
  decodeCursor,
  decodeTimeIdCursor,
  type Page,
} from './http/pagination.js';
/** Path parameters that are UUIDs, documented with their bound. */
export { ApiUuidParam } from './http/uuid-param.js';
/** Formula-safe CSV output (csv-stringify). */
export { toCsv, neutraliseFormula } from './http/csv.js';
