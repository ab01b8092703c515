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
  type SessionLimits,
} from '@mm/db';
import {
  createOpsServer,
  type MetricsSource,
  type Readiness,
  type ReadinessCheck,
  type ReadinessState,
  RedisEvictionPolicyError,
  redisCheck,
  startReadiness,
} from '@mm/queue';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { type OutageLog, outageLog } from './outage-log.ts';
import { redisUsable } from './redis-usable.ts';
import { WaitAbortedError, waitUntil } from './wait-until.ts';

/** Exit statuses of every service: 0 after a clean stop, 1 when it cannot run, 78 for bad configuration. */
export const EXIT_STOPPED = 0;
export const EXIT_FAILED = 1;
export { EX_CONFIG };

/** How long the stop sequence waits for connections to close once the drain is done. */
const CLOSE_DEADLINE_MS = 5_000;

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

/**
 * The one skeleton of every process (api, worker, scheduler, demo): configuration or a refusal that
 * lists every problem (exit 78), one logger, databases named `mm-<app>` in `pg_stat_activity` whose
 * connection errors are logged in one shape, Redis outages logged once at start and end, waiting for
 * dependencies (with a "still waiting" line) instead of exiting, readiness (`@mm/queue`'s prober plus the process's own conditions), and
 * one stop sequence on SIGTERM or SIGINT, run once, ending with the log flushed and exit 0.
 */
export class Service<C extends ServiceConfig> {
  readonly app: string;
  readonly config: C;
  readonly logger: Logger;
  /** `application_name` of every database connection, so a DBA sees who holds it. */
  readonly applicationName: string;
  /** The dependencies readiness probes (`@mm/queue`'s prober), added by `openAgg` and `watchRedis`. */
  private readonly probes: ReadinessCheck[] = [];
  /** The process's own conditions of readiness: each a reason (`worker: draining`) or `null`. */
  private readonly gates: Array<() => string | null> = [];
  private prober: Readiness | null = null;
  /** The Redis outage log, shared by every connection and queue of the process. */
  readonly redisOutage: OutageLog;
  private readonly drainSteps: Array<{ step: StopStep; deadlineMs: number }> = [];
  private readonly closeSteps: StopStep[] = [];
  private opsServer: Server | null = null;
  private readonly stopSignal = new AbortController();

  constructor(app: string, config: C, logger: Logger) {
    this.app = app;
    this.config = config;
    this.logger = logger;
    this.applicationName = `mm-${app}`;
    this.redisOutage = outageLog('Redis', { logger });
    this.gates.push(() => (this.stopping ? `${app}: stopping` : this.started ? null : `${app}: starting`));
  }

  private started = false;

  /** The process does its work now (after its waits): from here on it can be ready. */
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
   * `{ error, database }`; readiness probes it (`aggregation database`) on a connection of its own.
   */
  openAgg<DB>(
    url: string,
    options: { max?: number; session?: SessionLimits } = {},
  ): { db: Kysely<DB>; pool: ReturnType<typeof openDb>['pool'] } {
    const opened = openDb<DB>(url, {
      applicationName: this.applicationName,
      ...(options.max !== undefined ? { max: options.max } : {}),
      ...(options.session ? { session: options.session } : {}),
      onConnectionError: (error) =>
        this.logger.warn({ error: error.message, database: 'aggregation' }, 'database connection error'),
    });
    // Readiness asks on a connection of its own, so work holding every pooled one never delays it.
    const probe = openDb<DB>(url, {
      applicationName: `${this.applicationName}-readiness`,
      max: 1,
      session: { statementTimeoutMs: 2_000, tcpUserTimeoutMs: 30_000 },
      onConnectionError: () => {}, // the probe's failure is the report
    }).db;
    this.probes.push({ name: 'aggregation database', probe: () => sql`select 1`.execute(probe) });
    this.onClose(() => Promise.all([opened.db.destroy(), probe.destroy()]));
    return opened;
  }

  /**
   * The raw databases' pools, named for this process, errors logged as `{ error, database }`. With
   * `budget`, each raw server's `max_connections` is checked against the deployment's connection
   * formula on its first connection (a `warn` when it cannot hold it).
   */
  rawPools(
    options: Pick<
      RawPoolsOptions,
      'maxConnections' | 'maxPools' | 'onOpen' | 'writablePglite' | 'session'
    > & {
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
   * Routes a Redis client's errors to the outage log and adds it to readiness (`redis`: a PING
   * answered within 2 s, so a hung Redis is not ready either).
   */
  watchRedis(redis: Redis, name = 'redis'): void {
    redis.on('error', (error) => this.redisOutage.error(error));
    redis.on('ready', () => this.redisOutage.recovered());
    this.probes.push(redisCheck(redis, name));
  }

  /** Adds a condition of the process's own to readiness: a reason while it does not hold, else `null`. */
  readyWhen(gate: () => string | null): void {
    this.gates.push(gate);
  }

  /**
   * Whether the process is ready, and why not: the dependencies' last probes (each probed every
   * second, in the background from the first call on) and the process's own conditions.
   */
  readyState(): ReadinessState {
    this.prober ??= startReadiness({
      checks: this.probes,
      onChange: (dependency, reason) =>
        reason === null
          ? this.logger.info({ dependency }, 'dependency answers again')
          : this.logger.warn({ dependency, reason }, 'dependency does not answer: not ready'),
    });
    const state = this.prober.state();
    const reasons = [...state.reasons, ...this.gates.map((gate) => gate()).filter((r) => r !== null)];
    return { ...state, ready: reasons.length === 0, reasons };
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
   * Waits for Redis to answer ({@link redisUsable}) for as long as it takes; a Redis that may evict
   * the queues' keys is refused (exit 78), since restarting cannot fix it.
   */
  async waitForRedis(redis: Redis): Promise<void> {
    await this.waitFor(
      'Redis',
      () => redisUsable(redis, { logger: this.logger }),
      (error) => error instanceof RedisEvictionPolicyError,
    ).catch((error: Error) => this.refuse(error.message));
  }

  /**
   * Adds a drain step (stop taking work, finish what runs): drain steps run first, one after the
   * other in the order added, while the connections they need are still open. A step still running
   * after `deadlineMs` (10 s unless given) is left behind: a client waiting for a dependency that is
   * down (BullMQ closing a worker during a Redis outage) would otherwise hold the exit forever.
   */
  onDrain(step: StopStep, options: { deadlineMs?: number } = {}): void {
    this.drainSteps.push({ step, deadlineMs: options.deadlineMs ?? 10_000 });
  }

  /** Adds a close step (a pool, a connection): they run together once every drain step is done. */
  onClose(step: StopStep): void {
    this.closeSteps.push(step);
  }

  /**
   * Serves `/livez`, `/readyz`, `/healthz` (readiness, in the shape compose's health check reads) and
   * `/metrics` on `port` (`@mm/queue`'s ops server), and starts probing; closed after the drain. A
   * port that cannot be served is fatal (exit 1).
   */
  serveOps(port: number, options: { registry: MetricsSource; onListening?: () => void }): Server {
    this.readyState();
    const server = createOpsServer({
      registry: options.registry,
      health: () => {
        const { ready, reasons } = this.readyState();
        return { ok: ready, detail: { reasons } };
      },
      ready: () => {
        const { ready, reasons } = this.readyState();
        return { ready, reasons };
      },
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
    for (const { step, deadlineMs } of this.drainSteps) {
      try {
        if (
          (await withDeadline(
            Promise.resolve().then(() => step(signal)),
            deadlineMs,
          )) === late
        )
          this.logger.warn({ deadlineMs }, 'a drain step is still running after its deadline: going on');
      } catch (error) {
        failed(error);
      }
    }
    const server = this.opsServer;
    if (server) await new Promise((resolve) => server.close(() => resolve(undefined)));
    // Nobody asks for readiness any more, and the close steps below end the probes' connections: a
    // probe still running would report its own dependency down on every clean stop.
    this.prober?.stop();
    // Closing waits for nobody for long: a connection to a dependency that is down (a Redis `QUIT`
    // during an outage) would otherwise hold the exit forever.
    const closed = await withDeadline(
      Promise.allSettled(this.closeSteps.map(async (step) => step(signal))),
      CLOSE_DEADLINE_MS,
    );
    if (closed === late)
      this.logger.warn({ deadlineMs: CLOSE_DEADLINE_MS }, 'connections still closing: exiting anyway');
    else for (const result of closed) if (result.status === 'rejected') failed(result.reason);
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

const late = Symbol('late');

/** `work`'s result, or {@link late} once `ms` passed (`work` goes on, unawaited). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof late> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof late>((resolve) => {
    timer = setTimeout(() => resolve(late), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
