import { readFileSync } from 'node:fs';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateIf,
  validateSync,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === true || value === 'true' || value === '1'
    ? true
    : value === false || value === 'false' || value === '0' || value === ''
      ? false
      : value;
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

const SECRET_VARIABLES = new Set<string>();

/**
 * Marks a variable as a secret: it may also be given as `<NAME>_FILE`, the path of a file holding
 * the value (Kubernetes secret volumes, vault agents), so the secret never sits in the environment.
 */
function Secret(): PropertyDecorator {
  return (_target, key) => void SECRET_VARIABLES.add(String(key));
}

/** Names of the variables that may come from `<NAME>_FILE`. */
export function secretVariables(): string[] {
  return [...SECRET_VARIABLES].sort();
}

/**
 * The keys without which the server refuses to start outside development mode: a key derived from
 * a string in the repository protects nothing, and NODE_ENV alone is too easy to leave unset.
 */
export const REQUIRED_KEYS = [
  'IAM_PII_ENCRYPTION_KEY',
  'IAM_PII_HMAC_KEY',
  'REPORTING_PSEUDONYM_KEY',
  'VOUCHER_KEY_ENCRYPTION_KEY',
] as const;

/**
 * Every environment variable the server reads. `.env.example` documents each one;
 * a test keeps the two in step.
 */
export class Environment {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Secret()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgresql:// URL' })
  DATABASE_URL!: string;

  /** Distinct SQL texts kept as named prepared statements per connection (0: none, e.g. behind a transaction-mode pooler). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  DATABASE_STATEMENT_CACHE = 500;

  /** The one Redis (not read when REDIS_CLUSTER_NODES is set). */
  @Secret()
  @ValidateIf((e: Environment) => !e.REDIS_CLUSTER_NODES)
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL!: string;

  /** Prefix for every Redis key, queue and pub/sub channel (lets several deployments or test runs share one Redis). */
  @Matches(/^[a-z0-9_-]{1,32}$/i, { message: 'REDIS_PREFIX must be 1-32 letters, digits, - or _' })
  REDIS_PREFIX = 'heyblue';

  @Transform(toBool)
  @IsBoolean()
  HEYBLUE_DEV_MODE = false;

  /** Public base URL clients use to reach this deployment (socket details, OIDC redirects). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_BASE_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * OTLP/HTTP collector traces go to (e.g. http://otel-collector:4318); empty turns tracing off and
   * loads none of it. Read by main before the application starts; the other OTEL_* variables of
   * the OpenTelemetry SDK (headers, sampler, batch delay) apply as documented there.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** `service.name` of every span. */
  @Matches(/^[\w.-]{1,64}$/, { message: 'OTEL_SERVICE_NAME must be 1-64 letters, digits, _ . -' })
  OTEL_SERVICE_NAME = 'heyblue-api';

  /** Largest JSON body accepted, in bytes (larger → 413). */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  BODY_LIMIT_BYTES = 1_048_576;

  /** Comma-separated origins allowed by CORS; empty allows none. */
  @IsString()
  CORS_ORIGINS = '';

  /**
   * Proxies whose X-Forwarded-For is believed for the client IP (rate limits, audit): addresses,
   * CIDRs or `loopback`, `linklocal`, `uniquelocal`, comma-separated. A client connecting from
   * anywhere else is taken at its socket address, whatever X-Forwarded-For it sends. Empty (the
   * default) trusts nobody: a private range is no proof of a proxy (a neighbour pod, a VPN peer).
   */
  @Matches(/^$|^[\w.:/]+(\s*,\s*[\w.:/]+)*$/, {
    message: 'TRUST_PROXY must be addresses, CIDRs or loopback/linklocal/uniquelocal, comma-separated',
  })
  TRUST_PROXY = '';

  /**
   * On shutdown, how long requests in flight get to finish, in ms; then every HTTP connection
   * still open is closed (a client's connection that has sent no request would otherwise hold
   * shutdown until the client hangs up). Keep it below the orchestrator's grace period.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_DRAIN_MS = 10_000;

  /** Per-route rate limit overrides: `name=points/seconds,...` (e.g. `default=300/60`). */
  @Matches(/^$|^([a-z0-9-]+=\d+\/\d+)(,[a-z0-9-]+=\d+\/\d+)*$/, {
    message: 'RATE_LIMITS must look like name=points/seconds,...',
  })
  RATE_LIMITS = '';

  /** How often the outbox relay polls for undispatched events, in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  OUTBOX_POLL_MS = 250;

  /**
   * The least time, in ms, between the end of one relay pass and the start of the next. Under
   * load, events gather meanwhile and go out in fewer, larger consumer transactions (each
   * round trip to PostgreSQL costs more than the work it carries); an idle relay still starts at
   * once on a commit. At most this much lag is added to a delivery.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000)
  OUTBOX_COALESCE_MS = 10;

  /** Set to false to run an instance that never relays the outbox (e.g. a web-only replica). */
  @Transform(toBool)
  @IsBoolean()
  OUTBOX_RELAY_ENABLED = true;

  /**
   * Seconds after its hand-off to the queues an event must have been applied (or dead-lettered)
   * by every handler subscribed to it; past that, the deliveries that never happened (Redis lost
   * the jobs: a restart without persistence, a failover to a lagging replica) are relayed again.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  OUTBOX_REDELIVERY_AFTER_S = 300;

  /** How often one instance (an advisory lock elects it) checks for lost deliveries, in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  OUTBOX_REDELIVERY_EVERY_MS = 30_000;

  /**
   * Event-consumer transactions an instance runs at once (all queues together), below the
   * database pool's 20 connections so HTTP requests always find one.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(19)
  EVENT_CONSUMER_CONNECTIONS = 8;

  /** Set to false to run an instance that consumes no event queues (the ops CLI does). */
  @Transform(toBool)
  @IsBoolean()
  EVENT_WORKERS_ENABLED = true;

  /** Attempts per consumer before an event is dead-lettered. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  EVENT_MAX_ATTEMPTS = 5;

  /** First retry delay for a failing consumer, in ms (exponential backoff). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  EVENT_BACKOFF_MS = 1000;

  // ─── iam ───
  /**
   * OpenID Connect providers as a JSON array of `{id, name, issuer, clientId, clientSecret?, scopes?, redirectUris?}`.
   * In development mode the built-in provider `dev` is added.
   */
  @Secret()
  @Matches(/^\s*\[[\s\S]*\]\s*$/, { message: 'OIDC_PROVIDERS must be a JSON array' })
  OIDC_PROVIDERS = '[]';

  /** Life of an access token, in seconds (the session itself lasts until logout). */
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(86_400)
  IAM_ACCESS_TOKEN_TTL_S = 900;

  /** How long a started OIDC sign-in (state, nonce, the client's PKCE challenge) may wait for its callback, in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600)
  IAM_OIDC_STATE_TTL_S = 600;

  /** How long a registration token (sign-in done, phone not yet verified) stays usable, in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86_400)
  IAM_REGISTRATION_TTL_S = 1_800;

  /** AES-256-GCM key for PII at rest: base64 of 32 bytes. Required unless HEYBLUE_DEV_MODE=true (which derives a well-known dev key). */
  @Secret()
  @ValidateIf((e: Environment) => e.IAM_PII_ENCRYPTION_KEY !== undefined)
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'IAM_PII_ENCRYPTION_KEY must be base64 of 32 bytes' })
  IAM_PII_ENCRYPTION_KEY?: string;

  /** Key id stored with every PII ciphertext (change it when rotating the key). */
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'IAM_PII_KEY_ID must be 1-32 letters, digits, _ -' })
  IAM_PII_KEY_ID = 'dev-1';

  /** Earlier PII keys still used to read old ciphertexts: `kid:base64key,...`. */
  @Secret()
  @Matches(/^$|^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=)*$/, {
    message: 'IAM_PII_PREVIOUS_KEYS must look like kid:base64key,...',
  })
  IAM_PII_PREVIOUS_KEYS = '';

  /** HMAC-SHA256 key of the e-mail/phone blind index: base64 of 32 bytes. Required unless HEYBLUE_DEV_MODE=true. */
  @Secret()
  @ValidateIf((e: Environment) => e.IAM_PII_HMAC_KEY !== undefined)
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'IAM_PII_HMAC_KEY must be base64 of 32 bytes' })
  IAM_PII_HMAC_KEY?: string;

  /** Where OTP texts go: `twilio` (Twilio Verify) or `outbox` (dev mode only, read at GET /dev/sms). Default: outbox in dev mode, else twilio. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['twilio', 'outbox'])
  SMS_ADAPTER?: 'twilio' | 'outbox';

  /** Twilio account SID (required in production). */
  @ValidateIf((e: Environment) => e.NODE_ENV === 'production' || Boolean(e.TWILIO_ACCOUNT_SID))
  @Matches(/^AC[0-9a-fA-F]{32}$/, {
    message: 'TWILIO_ACCOUNT_SID must look like AC + 32 hex digits (required in production)',
  })
  TWILIO_ACCOUNT_SID?: string;

  /** Twilio auth token (required in production). */
  @Secret()
  @ValidateIf((e: Environment) => e.NODE_ENV === 'production' || Boolean(e.TWILIO_AUTH_TOKEN))
  @Matches(/^\S{16,}$/, { message: 'TWILIO_AUTH_TOKEN is required in production' })
  TWILIO_AUTH_TOKEN?: string;

  /** Twilio Verify service SID (required in production). */
  @ValidateIf((e: Environment) => e.NODE_ENV === 'production' || Boolean(e.TWILIO_VERIFY_SERVICE_SID))
  @Matches(/^VA[0-9a-fA-F]{32}$/, {
    message: 'TWILIO_VERIFY_SERVICE_SID must look like VA + 32 hex digits (required in production)',
  })
  TWILIO_VERIFY_SERVICE_SID?: string;

  /** Overrides the Twilio Verify base URL (tests aim the SDK at a local fake). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  TWILIO_BASE_URL?: string;

  /** Per-attempt timeout of a Twilio call, in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  TWILIO_TIMEOUT_MS = 5_000;

  /** How long the Twilio circuit breaker stays open before a trial call, in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  TWILIO_BREAKER_HALF_OPEN_MS = 10_000;

  // ─── rewards ───
  /** Points a citizen earns per established connection (before any municipal scheme multiplier). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  REWARDS_POINTS_PER_CONNECTION_CITIZEN = 10;

  /** Points an officer earns per established connection (before any municipal scheme multiplier). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  REWARDS_POINTS_PER_CONNECTION_OFFICER = 10;

  /** How long a voucher stays valid after issue, in days (never past the offer's end). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  VOUCHER_VALIDITY_DAYS = 30;

  /** US dollars per donated point, for charity payout reports. */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() !== '' ? Number(value) : value,
  )
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  REWARDS_USD_PER_POINT = 0.01;

  // ─── connections ───
  /** Largest distance in metres between an officer and a citizen for a connection request or accept. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(5_000)
  CONNECTIONS_PROXIMITY_M = 200;

  /** Seconds a connection request stays answerable. */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(3_600)
  CONNECTIONS_REQUEST_TTL_S = 120;

  /**
   * Seconds before an availability window ends at which the officer is told (`availability.expiring`,
   * socket and push); a window shorter than this gets no notice.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(900)
  CONNECTIONS_EXPIRING_NOTICE_S = 60;

  /** Seconds without a location update after which an officer or citizen drops out of answers (and is swept). */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(3_600)
  CONNECTIONS_STALE_AFTER_S = 120;

  /** Location messages accepted per socket and second (token bucket, burst of the same size). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  CONNECTIONS_LOCATION_RATE_PER_S = 5;

  /** Implied speed above which a location update is refused as IMPLAUSIBLE_MOVE, in km/h. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(5_000)
  CONNECTIONS_MAX_SPEED_KMH = 300;

  /** GPS jitter allowance in metres added to the distance an account may plausibly cover. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(5_000)
  CONNECTIONS_JUMP_SLACK_M = 100;

  /** Most officers in a `nearby` answer. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  CONNECTIONS_NEARBY_LIMIT = 20;

  /** Adaptive search radii in metres, tried in order until enough officers are found (comma-separated, ascending). */
  @Matches(/^\d{2,5}(,\d{2,5})*$/, {
    message: 'CONNECTIONS_NEARBY_RADIUS_STEPS_M must look like 500,1000,2000',
  })
  CONNECTIONS_NEARBY_RADIUS_STEPS_M = '500,1000,2000';

  /** Candidates read from Redis per search step before filtering stale members (caps Redis cost in dense areas). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000)
  CONNECTIONS_NEARBY_CANDIDATE_CAP = 40;

  /** Radius in metres around a citizen within which an arriving officer triggers an `officers.nearby` push. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(5_000)
  CONNECTIONS_CITIZEN_RADIUS_M = 1000;

  /** Geohash length of a GEO index partition (4 ≈ 20 × 30 km in the US; each partition is one Redis Cluster slot; 5 at most, so a 5 km search reads ≤ 16 partitions). */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(5)
  CONNECTIONS_PARTITION_PRECISION = 4;

  /** How often each instance sweeps expired availability windows and stale index members, in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  CONNECTIONS_SWEEP_INTERVAL_MS = 1000;

  /** Seconds between re-checks of each socket's access token (expired, logged-out or suspended → disconnected). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  CONNECTIONS_SOCKET_RECHECK_S = 120;

  // ─── etl ───
  /** Directory where uploads are kept until their job finishes (empty: `<os tmpdir>/heyblue-etl`); every instance must see it. */
  @IsString()
  ETL_UPLOAD_DIR = '';

  /** Largest ETL upload in bytes (larger → 413); at most the server's 200 MB multipart limit. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(209_715_200)
  ETL_MAX_UPLOAD_BYTES = 209_715_200;

  /** Upload jobs one instance processes at the same time. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(16)
  ETL_WORKER_CONCURRENCY = 1;

  /** Rows per committed batch (the resume point after a restart moves batch by batch). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  ETL_BATCH_SIZE = 2_000;

  /** Pause between batches in ms, to leave database headroom for live traffic during huge loads. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  ETL_BATCH_PAUSE_MS = 0;

  /** Set to false for an instance that accepts uploads but never processes them. */
  @Transform(toBool)
  @IsBoolean()
  ETL_WORKER_ENABLED = true;

  // ─── reporting ───
  /** HMAC-SHA256 key turning account ids into reporting pseudonyms: base64 of 32 bytes. Required unless HEYBLUE_DEV_MODE=true. */
  @Secret()
  @ValidateIf((e: Environment) => e.REPORTING_PSEUDONYM_KEY !== undefined)
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'REPORTING_PSEUDONYM_KEY must be base64 of 32 bytes' })
  REPORTING_PSEUDONYM_KEY?: string;

  /** How often the rollup job recomputes the days whose facts changed, in ms (a nightly run also redoes the last two days). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  REPORTING_ROLLUP_EVERY_MS = 60_000;

  // ─── social ───
  /** Mastodon instance base URL (e.g. https://mastodon.social); with MASTODON_ACCESS_TOKEN it enables the platform `mastodon`. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  MASTODON_BASE_URL?: string;

  /** Mastodon access token with the write:statuses scope. */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  MASTODON_ACCESS_TOKEN?: string;

  /** X API base URL (default https://api.x.com); with X_ACCESS_TOKEN it enables the platform `x`. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  X_API_BASE_URL?: string;

  /** X OAuth 2.0 user-context access token (tweet.write). */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  X_ACCESS_TOKEN?: string;

  /** Facebook Graph API base URL (default https://graph.facebook.com/v21.0); with the page id and token it enables `facebook`. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  FACEBOOK_GRAPH_BASE_URL?: string;

  /** Facebook Page id to post to. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\d{1,30}$/, { message: 'FACEBOOK_PAGE_ID must be digits' })
  FACEBOOK_PAGE_ID?: string;

  /** Facebook Page access token (pages_manage_posts). */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  FACEBOOK_PAGE_ACCESS_TOKEN?: string;

  /** Generic webhook (Zapier-style) URL; enables the platform `webhook`. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  SOCIAL_WEBHOOK_URL?: string;

  /** Secret for the webhook's `X-HeyBlue-Signature: sha256=<HMAC of the body>` header. */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SOCIAL_WEBHOOK_SECRET?: string;

  // ─── alerts ───
  /** Optional URL the platform POSTs one JSON message to per burst of dead-lettered deliveries. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  ALERT_WEBHOOK_URL?: string;

  /** Secret for the alert's `X-HeyBlue-Signature: sha256=<HMAC of the body>` header (required in production with the URL). */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  ALERT_WEBHOOK_SECRET?: string;

  /** Seconds a dead-letter burst collects before its one alert message is sent. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600)
  ALERT_WEBHOOK_BURST_S = 60;

  /** Delivery attempts per platform (bull jobs, each under the resilience policy) before a post is dead-lettered. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(20)
  SOCIAL_MAX_ATTEMPTS = 5;

  /** First delay between delivery attempts in ms (exponential). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  SOCIAL_BACKOFF_MS = 5_000;

  /** Per-request timeout for social platforms in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  SOCIAL_TIMEOUT_MS = 5_000;

  // ─── keys and secrets (issue 20) ───
  /**
   * Key-encryption key of the voucher signing key ring (the private keys in PostgreSQL are sealed
   * under it): base64 of 32 bytes. Required unless HEYBLUE_DEV_MODE=true.
   */
  @Secret()
  @ValidateIf((e: Environment) => e.VOUCHER_KEY_ENCRYPTION_KEY !== undefined)
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'VOUCHER_KEY_ENCRYPTION_KEY must be base64 of 32 bytes' })
  VOUCHER_KEY_ENCRYPTION_KEY?: string;

  /** Age in days at which the voucher signing key is replaced by a new one (old public keys stay published while their vouchers live). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365)
  VOUCHER_KEY_ROTATION_DAYS = 30;

  /** How often each instance reloads the voucher key ring, in seconds; a new key signs this long after it is made (published first). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600)
  VOUCHER_KEY_RING_REFRESH_S = 60;

  /** Set to false for an instance that never re-encrypts PII in the background (the CLI's pii:reencrypt still does). */
  @Transform(toBool)
  @IsBoolean()
  IAM_PII_REENCRYPT_ENABLED = true;

  /** Rows per transaction of the PII re-encryption after a key change (each batch's rows are locked while it runs). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  IAM_PII_REENCRYPT_BATCH_SIZE = 500;

  // ─── distributed: Redis Cluster, PostgreSQL replicas, RabbitMQ ───
  /**
   * Seed nodes of a Redis Cluster, `host:port,...`: when set, every Redis use (geo index, sessions,
   * rate limits, queues, socket.io) runs on the cluster and REDIS_URL is not read.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*$/, {
    message: 'REDIS_CLUSTER_NODES must look like host:port,host:port',
  })
  REDIS_CLUSTER_NODES?: string;

  /** Password (AUTH) of every cluster node, when the cluster asks for one. */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  REDIS_CLUSTER_PASSWORD?: string;

  /** Speak TLS to the cluster nodes (managed clusters with in-transit encryption). */
  @Transform(toBool)
  @IsBoolean()
  REDIS_CLUSTER_TLS = false;

  /**
   * Addresses the cluster announces mapped to the ones this process reaches them at
   * (`announced-host:port=reachable-host:port,...`), for a cluster behind NAT or port forwarding.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\w.-]+:\d{1,5}=[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5}=[\w.-]+:\d{1,5})*$/, {
    message: 'REDIS_CLUSTER_NAT_MAP must look like host:port=host:port,...',
  })
  REDIS_CLUSTER_NAT_MAP?: string;

  /**
   * RabbitMQ for other systems: when set, every integration event is also published to AMQP_EXCHANGE
   * (driven by the outbox, publisher confirms; a broker outage delays only this publisher).
   */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^amqps?:\/\/.+/, { message: 'AMQP_URL must be an amqp:// or amqps:// URL' })
  AMQP_URL?: string;

  /** The durable topic exchange integration events are published to (routing key = event type). */
  @Matches(/^[\w.:-]{1,127}$/, { message: 'AMQP_EXCHANGE must be 1-127 letters, digits, . _ : -' })
  AMQP_EXCHANGE = 'heyblue.events';

  /**
   * PostgreSQL streaming replicas for reads that may lag by a second (catalogue, schemes,
   * charities, public profiles, reports, admin lists, the audit trail), comma-separated URLs;
   * empty: every read goes to DATABASE_URL.
   */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s,]+(\s*,\s*postgres(ql)?:\/\/[^\s,]+)*$/, {
    message: 'DATABASE_REPLICA_URLS must be postgresql:// URLs, comma-separated',
  })
  DATABASE_REPLICA_URLS?: string;

  /** A replica further behind the primary than this, in ms, is taken out of rotation until it catches up. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DATABASE_REPLICA_MAX_LAG_MS = 5_000;

  /** How often each instance checks its replicas (reachable, lag), in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DATABASE_REPLICA_CHECK_MS = 1_000;

  // ─── officer safety and anti-fraud (connections) ───
  /** Size in metres of the fixed grid cells whose centres are the only officer positions anyone is shown (never below 100: the contract's "about 100 m"). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(5_000)
  CONNECTIONS_COARSE_CELL_M = 100;

  /** Sockets one account may hold open at once on `/connections` (a phone needs one; reconnects overlap briefly). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  CONNECTIONS_MAX_SOCKETS_PER_ACCOUNT = 5;

  /**
   * Points-earning connections one citizen may have in any 24 hours; a connection beyond it (or
   * beyond the officer's hourly cap) is still recorded but earns neither side anything (anti-farming).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  CONNECTIONS_CITIZEN_DAILY_EARNING_CAP = 20;

  /** Points-earning connections one officer may have in any 60 minutes (see CONNECTIONS_CITIZEN_DAILY_EARNING_CAP). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  CONNECTIONS_OFFICER_HOURLY_EARNING_CAP = 60;
  // ─── iam: sign-in and sessions (issue 20) ───

  /** Countries whose phone numbers may receive OTPs: ISO 3166 alpha-2 codes, comma-separated. */
  @Matches(/^[A-Z]{2}(,[A-Z]{2})*$/, {
    message: 'IAM_OTP_COUNTRIES must be ISO 3166 alpha-2 codes, comma-separated (e.g. US,CA)',
  })
  IAM_OTP_COUNTRIES = 'US';

  /** Maximum age of an admin account's session, in seconds, counted from sign-in (app sessions last until logout). */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(604_800)
  IAM_ADMIN_SESSION_TTL_S = 43_200;

  /** Days an ended session (and its rotated refresh tokens) is kept before it is pruned. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_650)
  IAM_SESSION_RETENTION_DAYS = 30;

  /** How often, in ms, each instance prunes ended sessions older than the retention period. */
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  IAM_SESSION_PRUNE_EVERY_MS = 3_600_000;

  // ─── notifications: push devices and pushes (issue 21) ───

  /** Push devices one account may register; registering one more drops its least recently registered. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  NOTIFICATIONS_MAX_DEVICES_PER_ACCOUNT = 10;

  /** Least time in seconds between two `officers.nearby` pushes to one citizen (sockets get every one). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  NOTIFICATIONS_NEARBY_PUSH_EVERY_S = 600;

  /** Where pushes go: `providers` (FCM, APNs) or `outbox` (dev mode only, read at GET /dev/push). Default: outbox in dev mode, else providers. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['providers', 'outbox'])
  PUSH_ADAPTER?: 'providers' | 'outbox';

  /** Send attempts per push and device before dead-lettering, and the first retry delay in ms (exponential). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(20)
  PUSH_MAX_ATTEMPTS = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  PUSH_BACKOFF_MS = 2_000;

  /** Per-request timeout for the push providers in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  PUSH_TIMEOUT_MS = 5_000;

  /** Firebase project id: with FCM_SERVICE_ACCOUNT_JSON it enables FCM (HTTP v1). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[a-z0-9-]{4,64}$/, { message: 'FCM_PROJECT_ID must be a Firebase project id' })
  FCM_PROJECT_ID?: string;

  /** The Firebase service account key (JSON with client_email, private_key, token_uri); OAuth2 tokens come from its token_uri. */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  FCM_SERVICE_ACCOUNT_JSON?: string;

  /** FCM HTTP v1 base URL (tests point it at a local fake). */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  FCM_BASE_URL = 'https://fcm.googleapis.com';

  /** APNs signing key (.p8 PEM, ES256): with APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC it enables APNs. */
  @Secret()
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  APNS_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Z0-9]{10}$/, { message: 'APNS_KEY_ID is the 10-character key id' })
  APNS_KEY_ID?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Z0-9]{10}$/, { message: 'APNS_TEAM_ID is the 10-character team id' })
  APNS_TEAM_ID?: string;

  /** The app's bundle id (the apns-topic header). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  APNS_TOPIC?: string;

  /** APNs base URL: https://api.push.apple.com, or https://api.sandbox.push.apple.com for development builds. */
  @IsUrl({ require_tld: false, protocols: ['https'] })
  APNS_BASE_URL = 'https://api.push.apple.com';

  /** Extra CA certificate (PEM) trusted for the APNs endpoint: a private relay, or the tests' local fake. Empty: the system CAs. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  APNS_CA_CERT?: string;
}

export type Env = Environment;

/**
 * `<NAME>_FILE` → `<NAME>` for secret variables. Giving both is an error (which one would win is a
 * guess); the file's trailing line break is dropped, as `echo` and secret tools leave one.
 */
function readSecretFiles(given: Record<string, unknown>, problems: string[]): Record<string, unknown> {
  const out = { ...given };
  for (const name of SECRET_VARIABLES) {
    const path = given[`${name}_FILE`];
    if (typeof path !== 'string') continue;
    delete out[`${name}_FILE`];
    if (given[name] !== undefined) {
      problems.push(`  - ${name}_FILE: set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      out[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(
        `  - ${name}_FILE: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  return out;
}

export interface ValidateOptions {
  /** False for commands that never touch the keys (db:migrate): they need not be handed them. */
  requireKeys?: boolean;
}

/** Validates and types raw environment variables; throws one readable error listing every problem. */
export function validateEnvironment(
  raw: Record<string, unknown>,
  options: ValidateOptions = {},
): Environment {
  const problems: string[] = [];
  // `NAME=` in a .env file means "not set": let the default (or the optional) apply.
  const given = readSecretFiles(
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '')),
    problems,
  );
  const env = plainToInstance(Environment, given, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  if (!env.HEYBLUE_DEV_MODE && options.requireKeys !== false) {
    for (const name of REQUIRED_KEYS) {
      if (env[name] === undefined) {
        problems.push(
          `  - ${name}: required (or ${name}_FILE); only HEYBLUE_DEV_MODE=true runs on well-known development keys`,
        );
      }
    }
  }
  problems.push(
    ...errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `  - ${e.property}: ${m}`)),
  );
  if (env.NODE_ENV === 'production' && env.HEYBLUE_DEV_MODE) {
    problems.push('  - HEYBLUE_DEV_MODE: development mode is refused when NODE_ENV=production');
  }
  if (
    env.NODE_ENV === 'production' &&
    !env.HEYBLUE_DEV_MODE &&
    /^\s*\[\s*\]\s*$/.test(env.OIDC_PROVIDERS ?? '[]')
  ) {
    // Without a provider nobody can sign in: a deployment that boots "healthy" but useless.
    problems.push(
      '  - OIDC_PROVIDERS: at least one OpenID provider is required in production (or OIDC_PROVIDERS_FILE)',
    );
  }
  if (env.NODE_ENV === 'production' && env.SOCIAL_WEBHOOK_URL && !env.SOCIAL_WEBHOOK_SECRET) {
    // Unsigned, anyone who learns the URL can post as us wherever the hook forwards.
    problems.push(
      '  - SOCIAL_WEBHOOK_SECRET: required in production when SOCIAL_WEBHOOK_URL is set (the receiver checks X-HeyBlue-Signature)',
    );
  }
  if (env.NODE_ENV === 'production' && env.ALERT_WEBHOOK_URL && !env.ALERT_WEBHOOK_SECRET) {
    problems.push(
      '  - ALERT_WEBHOOK_SECRET: required in production when ALERT_WEBHOOK_URL is set (the receiver checks X-HeyBlue-Signature)',
    );
  }
  if (env.PUSH_ADAPTER === 'outbox' && (!env.HEYBLUE_DEV_MODE || env.NODE_ENV === 'production')) {
    problems.push('  - PUSH_ADAPTER: the push outbox exists only in development mode');
  }
  if (env.SMS_ADAPTER === 'outbox' && (!env.HEYBLUE_DEV_MODE || env.NODE_ENV === 'production')) {
    problems.push('  - SMS_ADAPTER: the SMS outbox exists only in development mode');
  }
  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  }
  return env;
}
