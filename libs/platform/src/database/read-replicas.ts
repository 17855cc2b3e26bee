import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import client from 'prom-client';
import { PrismaClient } from '@heyblue/db';
import type { Env } from '../config/environment.js';
import { DomainError } from '../errors/domain-error.js';
import { isDependencyUnavailable } from '../errors/problem-details.filter.js';
import { withTimeout } from '../outbox/queue.factory.js';
import { withSpan } from '../telemetry/spans.js';
import { PrismaService } from './prisma.service.js';
import { replicaLagSeconds, trimSamples, type WalSample } from './replica-lag.js';
import { boundedStatementNames } from './statement-names.js';

type ReadMethod =
  | 'findUnique'
  | 'findUniqueOrThrow'
  | 'findFirst'
  | 'findFirstOrThrow'
  | 'findMany'
  | 'count'
  | 'aggregate'
  | 'groupBy';
type Model = {
  [K in keyof PrismaClient]: K extends `$${string}` ? never : K extends string ? K : never;
}[keyof PrismaClient];

/** The reading half of a Prisma client: the client a `ReadReplicas.read` callback gets (a replica's or the primary's). */
export type ReadClient = {
  readonly [M in Model]: Pick<PrismaClient[M], Extract<keyof PrismaClient[M], ReadMethod>>;
} & Pick<PrismaClient, '$queryRaw' | '$queryRawUnsafe'>;

/** Why a replica is out of rotation (or `in_rotation`). */
export type ReplicaState = 'starting' | 'in_rotation' | 'unreachable' | 'lagging' | 'not_a_replica';

export interface ReplicaStatus {
  /** `replica-1`, `replica-2`, … in the order of DATABASE_REPLICA_URLS (never the URL: it names hosts and users). */
  name: string;
  state: ReplicaState;
  inRotation: boolean;
  /** How far behind the primary it was at the last check, in seconds (null: not known). */
  lagSeconds: number | null;
}

interface Replica extends ReplicaStatus {
  reads: client.Counter.Internal;
  pool: pg.Pool;
  prisma: PrismaClient;
  statementName: (query: { sql: string }) => string;
}

/** Lag-tolerant reads by where they ran (a replica, or the primary: none in rotation, none configured, or a replica failed). */
const reads = new client.Counter({
  name: 'heyblue_db_reads_total',
  help: 'Lag-tolerant reads by target: replica-N, or primary (no replica in rotation or configured, or the replica failed)',
  labelNames: ['target'] as const,
});
const primaryReads = reads.labels({ target: 'primary' });

/** Reads a replica failed and the primary answered instead. */
const fallbacks = new client.Counter({
  name: 'heyblue_db_replica_fallbacks_total',
  help: 'Lag-tolerant reads that failed on a replica and were answered by the primary',
  labelNames: ['replica'] as const,
});

const PRIMARY_LSN = `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS lsn`;
const REPLICA_READING = `
  SELECT pg_is_in_recovery() AS "inRecovery",
         pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::text AS replayed,
         extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS "sinceReplay"`;
/** A check that has not answered in this long counts the replica (or the primary's position) as unreachable. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * A replica that cannot serve this read or the next ones: unreachable, shutting down, starting,
 * out of connections. pg's SQLSTATE classes 08 (connection), 53 (resources), 57 (operator
 * intervention: `terminating connection due to administrator command`, `the database system is
 * starting up`), and the connection losses the problem filter already knows.
 */
function replicaGone(err: unknown): boolean {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const sqlState = [e.code, e.cause?.code].find(
    (c) => typeof c === 'string' && /^(08|53|57)[0-9A-Z]{3}$/.test(c),
  );
  const message = e.message;
  return (
    sqlState !== undefined ||
    isDependencyUnavailable(err) ||
    (typeof message === 'string' &&
      /terminating connection|database system is (starting up|shutting down|in recovery mode)|Connection terminated|ECONNREFUSED/i.test(
        message,
      ))
  );
}

/**
 * PostgreSQL streaming replicas (DATABASE_REPLICA_URLS) for the reads that may lag by a second,
 * chosen deliberately by each caller: `read` and `rows` run on a replica in rotation (round
 * robin), or on the primary when none is. Writes, the bearer-token check, balances right after
 * a write and anything inside a transaction use PrismaService, the primary, as before.
 *
 * Each instance checks its replicas every DATABASE_REPLICA_CHECK_MS: one that does not answer,
 * is not in recovery, or is further behind than DATABASE_REPLICA_MAX_LAG_MS leaves the rotation
 * and comes back when a check finds it healthy. A read that fails on a replica is answered by
 * the primary at once (and a lost connection takes the replica out until the next good check),
 * so a replica going away costs latency, never an error.
 *
 * Not `@prisma/extension-read-replicas`: it sends every read outside a transaction to a replica
 * (including the ones that must be fresh), and keeps no health: a replica that is down or
 * minutes behind keeps getting reads.
 */
@Injectable()
export class ReadReplicas implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ReadReplicas');
  private readonly replicas: Replica[];
  private readonly maxLagSeconds: number;
  private readonly checkEveryMs: number;
  /** The primary's recent WAL positions, one per check (replica-lag.ts). */
  private readonly samples: WalSample[] = [];
  private next = 0;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private closed = false;

  constructor(
    config: ConfigService<Env, true>,
    private readonly primary: PrismaService,
  ) {
    const urls = (config.get('DATABASE_REPLICA_URLS', { infer: true }) ?? '')
      .split(',')
      .map((u: string) => u.trim())
      .filter(Boolean);
    const cache = config.get('DATABASE_STATEMENT_CACHE', { infer: true });
    this.maxLagSeconds = config.get('DATABASE_REPLICA_MAX_LAG_MS', { infer: true }) / 1000;
    this.checkEveryMs = config.get('DATABASE_REPLICA_CHECK_MS', { infer: true });
    this.replicas = urls.map((url: string, i: number) => {
      const name = `replica-${i + 1}`;
      const pool = new pg.Pool({
        connectionString: url,
        // Short: while a dead replica is still in rotation, each read waits this long before the primary answers it.
        connectionTimeoutMillis: 2_000,
        max: 10,
      });
      pool.on('error', (err) => this.logger.warn(`${name}: idle connection failed: ${err.message}`));
      const statementName = boundedStatementNames(cache);
      const prisma = new PrismaClient({
        adapter: new PrismaPg(pool, { statementNameGenerator: statementName, disposeExternalPool: true }),
      });
      return {
        name,
        reads: reads.labels({ target: name }),
        pool,
        prisma,
        statementName,
        state: 'starting' as ReplicaState,
        inRotation: false,
        lagSeconds: null,
      };
    });
  }

  /** True when DATABASE_REPLICA_URLS names at least one replica. */
  get configured(): boolean {
    return this.replicas.length > 0;
  }

  /** Each replica's state at the last check (readiness and metrics). */
  status(): ReplicaStatus[] {
    return this.replicas.map(({ name, state, inRotation, lagSeconds }) => ({
      name,
      state,
      inRotation,
      lagSeconds,
    }));
  }

  /**
   * Runs a read that may be up to DATABASE_REPLICA_MAX_LAG_MS old on a replica in rotation, or on
   * the primary. `work` must only read, outside any transaction, and may run twice (the primary
   * repeats it when the replica fails).
   */
  read<T>(work: (db: ReadClient) => Promise<T>): Promise<T> {
    return this.route(
      (replica) => work(replica.prisma),
      () => work(this.primary),
    );
  }

  /** `PrismaService.rows` (one raw statement straight on a pool) for the hot lag-tolerant reads. */
  rows<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
    return this.route(
      async (replica) => {
        const name = replica.statementName({ sql: text });
        const result = await withSpan(
          'pg:query',
          { 'db.system.name': 'postgresql', 'db.query.text': text, 'db.replica': replica.name },
          () => replica.pool.query<T>(name ? { name, text, values } : { text, values }),
        );
        return result.rows;
      },
      () => this.primary.rows<T>(text, values),
    );
  }

  private route<T>(onReplica: (r: Replica) => Promise<T>, onPrimary: () => Promise<T>): Promise<T> {
    const replica = this.pick();
    if (!replica) {
      primaryReads.inc();
      return onPrimary();
    }
    return this.onReplica(replica, onReplica, onPrimary);
  }

  private async onReplica<T>(
    replica: Replica,
    onReplica: (r: Replica) => Promise<T>,
    onPrimary: () => Promise<T>,
  ): Promise<T> {
    replica.reads.inc();
    try {
      return await onReplica(replica);
    } catch (err) {
      if (err instanceof DomainError) throw err;
      fallbacks.inc({ replica: replica.name });
      if (replicaGone(err)) this.takeOut(replica, 'unreachable', (err as Error).message);
      else
        this.logger.warn(`${replica.name}: a read failed, the primary answers it: ${(err as Error).message}`);
    }
    primaryReads.inc();
    return onPrimary();
  }

  private pick(): Replica | null {
    if (this.replicas.length === 0) return null;
    const live = this.replicas.filter((r) => r.inRotation);
    if (live.length === 0) return null;
    this.next = (this.next + 1) % live.length;
    return live[this.next]!;
  }

  async onModuleInit(): Promise<void> {
    // Registered even without replicas: the dashboard's queries find the series (empty).
    this.registerGauges();
    if (!this.configured) return;
    // The first check before the app serves, so a healthy replica takes reads from the first request.
    await this.check();
    this.timer = setInterval(() => void this.check(), this.checkEveryMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.checking;
    await Promise.all(
      this.replicas.map(async (r) => {
        await r.prisma.$disconnect().catch(() => undefined);
        if (!r.pool.ended) await r.pool.end().catch(() => undefined);
      }),
    );
  }

  /** One round of checks (at most one at a time); public for tests that need a verdict now. */
  check(): Promise<void> {
    this.checking ??= this.checkAll().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkAll(): Promise<void> {
    if (this.closed) return;
    const at = Date.now();
    try {
      const [row] = await withTimeout(this.primary.rows<{ lsn: string }>(PRIMARY_LSN, []), CHECK_TIMEOUT_MS);
      this.samples.push({ at, lsn: BigInt(row!.lsn) });
    } catch {
      // The primary is down: the replicas' data gets no staler (nothing commits), judged by the last samples.
    }
    trimSamples(this.samples, Date.now(), 2 * this.maxLagSeconds * 1000 + 2 * this.checkEveryMs);
    await Promise.all(this.replicas.map((r) => this.checkReplica(r)));
  }

  private async checkReplica(replica: Replica): Promise<void> {
    let reading: { inRecovery: boolean; replayed: string | null; sinceReplay: number | null };
    try {
      const result = await withTimeout(replica.pool.query(REPLICA_READING), CHECK_TIMEOUT_MS);
      reading = result.rows[0];
    } catch (err) {
      this.takeOut(replica, 'unreachable', (err as Error).message);
      return;
    }
    if (this.closed) return;
    if (!reading.inRecovery) {
      // A promoted or stand-alone server gets no more changes from the primary: its data only ages.
      this.takeOut(replica, 'not_a_replica', 'pg_is_in_recovery() is false');
      replica.lagSeconds = null;
      return;
    }
    const lag = replicaLagSeconds(
      this.samples,
      {
        inRecovery: true,
        replayedLsn: reading.replayed === null ? null : BigInt(reading.replayed),
        sinceLastReplaySeconds: reading.sinceReplay,
      },
      Date.now(),
    );
    replica.lagSeconds = lag;
    if (lag === null || lag > this.maxLagSeconds) {
      this.takeOut(replica, 'lagging', lag === null ? 'lag unknown' : `${lag.toFixed(1)} s behind`);
      return;
    }
    if (!replica.inRotation) this.logger.log(`${replica.name}: in rotation (${lag.toFixed(1)} s behind)`);
    replica.inRotation = true;
    replica.state = 'in_rotation';
  }

  private takeOut(replica: Replica, state: ReplicaState, why: string): void {
    if (replica.inRotation || replica.state !== state)
      this.logger.warn(`${replica.name}: out of rotation, ${state}: ${why.slice(0, 200)}`);
    replica.inRotation = false;
    replica.state = state;
    if (state === 'unreachable') replica.lagSeconds = null;
  }

  private registerGauges(): void {
    const status = () => this.status();
    for (const name of ['heyblue_db_replica_in_rotation', 'heyblue_db_replica_lag_seconds'])
      client.register.removeSingleMetric(name);
    new client.Gauge({
      name: 'heyblue_db_replica_in_rotation',
      help: 'PostgreSQL replica taking lag-tolerant reads (1) or out of rotation (0), by replica and state',
      labelNames: ['replica', 'state'] as const,
      collect() {
        this.reset();
        for (const r of status()) this.set({ replica: r.name, state: r.state }, r.inRotation ? 1 : 0);
      },
    });
    new client.Gauge({
      name: 'heyblue_db_replica_lag_seconds',
      help: 'How far each PostgreSQL replica was behind the primary at its last check (absent: not known)',
      labelNames: ['replica'] as const,
      collect() {
        this.reset();
        for (const r of status()) if (r.lagSeconds !== null) this.set({ replica: r.name }, r.lagSeconds);
      },
    });
  }
}
