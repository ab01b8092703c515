import type { Server } from 'node:http';
import {
  ConfigError,
  type ConfigProblem,
  createLogger,
  type EnvPart,
  EX_CONFIG,
  formatConfigError,
  type Loaded,
  type Logger,
  loadEnvConfig,
  type Machine,
} from '@mm/config';
import {
  API_RAW_CONNECTIONS,
  connectionBudgetProblem,
  openDb,
  type RawConnectionPlan,
  RawPools,
  type RawPoolsOptions,
  rawConnectionBudget,
} from '@mm/db';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { createOpsServer, type MetricsSource } from './ops-server.ts';
import { type OutageLog, outageLog } from './outage-log.ts';
import { Checks } from './readiness.ts';
import { WaitAbortedError, waitUntil } from './wait-until.ts';

/** Exit statuses of every service: 0 after a clean stop, 1 when it cannot run, 78 for bad configuration. */
export const EXIT_STOPPED = 0;
export const EXIT_FAILED = 1;
export { EX_CONFIG };

/** The least a service's configuration has. */
interface ServiceConfig {
  logLevel: string;
}

export interface ServiceOptions<Out> {
  /** The process's name: its log lines' `app`, its database `application_name` is `mm-<app>`. */
  app: string;
  /** Its environment (`apps/<app>/src/env.ts`). */
  // biome-ignore lint/suspicious/noExplicitAny: any shape (its output is Out)
  env: EnvPart<any, Out>;
  /** Problems across settings the schema cannot see (listed with the schema's in one refusal). */
  check?: (config: Loaded<Out>) => ConfigProblem[];
  /** Where the variables come from (`process.env` unless given). */
  source?: Record<string, string | undefined>;
}

/** A step of the stop sequence. */
type StopStep = (signal: string) => Promise<unknown> | unknown;

/** A Redis client as the service watches it (ioredis's). */
interface WatchedRedis {
  readonly status: string;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  ping(): Promise<unknown>;
}

/**
 * The one skeleton of every process (api, worker, scheduler, demo): configuration or a refusal that
 * lists every problem (exit 78), one logger, databases named `mm-<app>` in `pg_stat_activity` whose
 * connection errors are logged in one shape, Redis outages logged once at start and end, waiting for
 * dependencies (with a "still waiting" line) instead of exiting, readiness and liveness checks, and
 * one stop sequence on SIGTERM or SIGINT, run once, ending with the log flushed and exit 0.
 */
export class Service<C extends ServiceConfig> {
  readonly app: string;
  readonly config: C;
  readonly logger: Logger;
  /** `application_name` of every database connection, so a DBA sees who holds it. */
  readonly applicationName: string;
  /** "Send me work": dependencies answer and the process is not stopping. */
  readonly readiness = new Checks();
  /** "Restart me if not": the process's own machinery runs. */
  readonly liveness = new Checks();
  /** The Redis outage log, shared by every connection and queue of the process. */
  readonly redisOutage: OutageLog;
  private readonly drainSteps: StopStep[] = [];
  private readonly closeSteps: StopStep[] = [];
  private opsServer: Server | null = null;
  private readonly stopSignal = new AbortController();

  constructor(app: string, config: C, logger: Logger) {
    this.app = app;
    this.config = config;
    this.logger = logger;
    this.applicationName = `mm-${app}`;
    this.redisOutage = outageLog('Redis', { logger });
    this.readiness.add('started', () => this.started);
    this.readiness.add('stopping', () => !this.stopping);
  }

  private started = false;

  /** The process does its work now (after its waits): readiness's `started` check passes from here on. */
  markStarted(fields: Record<string, unknown> = {}, message = `${this.app} started`): void {
    this.started = true;
    this.logger.info(fields, message);
  }

  /** True once SIGTERM or SIGINT arrived. */
  get stopping(): boolean {
    return this.stopSignal.signal.aborted;
  }

  /** Aborted when the process is told to stop. */
  get signal(): AbortSignal {
    return this.stopSignal.signal;
  }

  /**
   * The aggregation database's pool, named for this process, its connection errors logged as
   * `{ error, database }`; added to readiness as `aggregation_db`.
   */
  openAgg<DB>(
    url: string,
    options: { max?: number } = {},
  ): { db: Kysely<DB>; pool: ReturnType<typeof openDb>['pool'] } {
    const opened = openDb<DB>(url, {
      applicationName: this.applicationName,
      ...(options.max !== undefined ? { max: options.max } : {}),
      onConnectionError: (error) =>
        this.logger.warn({ error: error.message, database: 'aggregation' }, 'database connection error'),
    });
    this.readiness.add('aggregation_db', () => sql`select 1`.execute(opened.db));
    this.onClose(() => opened.db.destroy());
    return opened;
  }

  /**
   * The raw databases' pools, named for this process, errors logged as `{ error, database }`. With
   * `budget`, each raw server's `max_connections` is checked against the deployment's connection
   * formula on its first connection (a `warn` when it cannot hold it).
   */
  rawPools(
    options: Pick<RawPoolsOptions, 'maxConnections' | 'maxPools' | 'onOpen' | 'writablePglite'> & {
      budget?: { machines: readonly Machine[]; plan: Omit<RawConnectionPlan, 'machines' | 'apiConnections'> };
    },
  ): RawPools {
    const budget = options.budget
      ? rawConnectionBudget({
          machines: [...options.budget.machines],
          ...options.budget.plan,
          apiConnections: API_RAW_CONNECTIONS,
        })
      : null;
    const { budget: _, ...poolOptions } = options;
    const pools = new RawPools({
      ...poolOptions,
      applicationName: this.applicationName,
      onConnectionError: (error, database) =>
        this.logger.warn({ error: error.message, database }, 'database connection error'),
      ...(budget
        ? {
            onServer: (server, limits) => {
              const share = budget.find((b) => b.server === server);
              const problem = share && connectionBudgetProblem(share, limits);
              if (problem) this.logger.warn({ server, ...limits, budget: share }, problem);
            },
          }
        : {}),
    });
    this.onClose(() => pools.destroyAll());
    return pools;
  }

  /**
   * Routes a Redis client's errors to the outage log and adds it to readiness (`redis`: a PING within
   * the checks' time limit, so a hung Redis is not ready either).
   */
  watchRedis(redis: WatchedRedis, name = 'redis'): void {
    redis.on('error', (error) => this.redisOutage.error(error));
    redis.on('ready', () => this.redisOutage.recovered());
    this.readiness.add(name, () => redis.status === 'ready' && redis.ping());
  }

  /**
   * Waits for a dependency for as long as it takes (see `waitUntil`); errors that `permanent` names
   * are thrown at once. When the process is told to stop meanwhile it never resolves: the stop
   * sequence exits.
   */
  async waitFor(
    what: string,
    attempt: () => Promise<unknown>,
    permanent?: (error: unknown) => boolean,
  ): Promise<void> {
    try {
      await waitUntil(what, attempt, {
        logger: this.logger,
        signal: this.signal,
        ...(permanent ? { permanent } : {}),
      });
    } catch (error) {
      if (error instanceof WaitAbortedError) return new Promise<never>(() => {});
      throw error;
    }
  }

  /**
   * Adds a drain step (stop taking work, finish what runs): drain steps run first, one after the
   * other in the order added, while the connections they need are still open.
   */
  onDrain(step: StopStep): void {
    this.drainSteps.push(step);
  }

  /** Adds a close step (a pool, a connection): they run together once every drain step is done. */
  onClose(step: StopStep): void {
    this.closeSteps.push(step);
  }

  /**
   * Serves `/livez`, `/readyz` (`/healthz`) and `/metrics` on `port`; closed first when stopping. A
   * port that cannot be served is fatal (exit 1).
   */
  serveOps(port: number, options: { registry?: MetricsSource; onListening?: () => void } = {}): Server {
    const server = createOpsServer({
      readiness: this.readiness,
      liveness: this.liveness,
      ...(options.registry ? { registry: options.registry } : {}),
    });
    server.on('error', (error) => this.fail('cannot serve /readyz, /livez and /metrics', error));
    server.listen(port, options.onListening);
    this.opsServer = server;
    return server;
  }

  /** Logs why the process cannot run and exits (1 unless given). */
  fail(message: string, error: unknown, code = EXIT_FAILED): never {
    this.logger.fatal({ error: error instanceof Error ? error.message : String(error) }, message);
    this.logger.flush();
    process.exit(code);
  }

  /**
   * Refuses to start for a reason an operator must fix (a Redis that may evict keys): the reason on
   * stderr, like a configuration problem, and exit 78 (restarting cannot help).
   */
  refuse(reason: string): never {
    this.logger.flush();
    process.stderr.write(`${this.app}: refusing to start. ${reason}\n`);
    process.exit(EX_CONFIG);
  }

  /**
   * Installs the SIGTERM / SIGINT handlers. They stay installed: a second signal during the stop (a
   * second Ctrl-C) is ignored rather than killing the process half-way through its drain.
   */
  handleSignals(): void {
    process.on('SIGTERM', () => void this.stop('SIGTERM'));
    process.on('SIGINT', () => void this.stop('SIGINT'));
  }

  /**
   * The stop sequence: readiness answers 503 at once (the ops server stays up while draining), the
   * drain steps run in order, then the ops server and every close step; a failing step is logged and
   * the sequence goes on. Exits 0.
   */
  async stop(signal: string): Promise<never> {
    if (this.stopping) return new Promise<never>(() => {});
    this.stopSignal.abort();
    this.logger.info({ signal }, 'stopping');
    const failed = (error: unknown) =>
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'a stop step failed',
      );
    for (const step of this.drainSteps) {
      try {
        await step(signal);
      } catch (error) {
        failed(error);
      }
    }
    const server = this.opsServer;
    if (server) await new Promise((resolve) => server.close(() => resolve(undefined)));
    const closed = await Promise.allSettled(this.closeSteps.map(async (step) => step(signal)));
    for (const result of closed) if (result.status === 'rejected') failed(result.reason);
    this.redisOutage.close();
    this.logger.info('stopped');
    this.logger.flush();
    process.exit(EXIT_STOPPED);
  }
}

/**
 * Starts a service: its configuration (or, when it is invalid, every problem on stderr and exit 78),
 * its logger, its signal handlers.
 *
 * @example
 * const service = startService({ app: 'worker', env: workerEnv });
 * const agg = service.openAgg<AggDatabase>(service.config.aggDatabaseUrl);
 */
export function startService<Out extends ServiceConfig>(options: ServiceOptions<Out>): Service<Loaded<Out>> {
  const config = loadOrExit(options);
  const logger = createLogger({ app: options.app, level: config.logLevel });
  const service = new Service(options.app, config, logger);
  service.handleSignals();
  return service;
}

function loadOrExit<Out>(options: ServiceOptions<Out>): Loaded<Out> {
  try {
    const config = loadEnvConfig(options.source ?? process.env, options.env);
    const problems = options.check?.(config) ?? [];
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(formatConfigError(error, options.app));
    process.exit(EX_CONFIG);
  }
}
