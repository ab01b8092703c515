import { rawDatabaseLabel, rawServerLabel, type ServerLimits } from './raw-pools.ts';

/** Raw connections the API holds at most, all raw databases together (its `RawPools` budget). */
export const API_RAW_CONNECTIONS = 8;

/** How a deployment uses raw connections: what every process of it is configured with. */
export interface RawConnectionPlan {
  machines: ReadonlyArray<{ rawDatabaseUrl: string }>;
  /** Worker processes of the deployment. */
  workers: number;
  /** `WORKER_CONCURRENCY`: jobs, hence raw connections, per worker process. */
  workerConcurrency: number;
  /** `MACHINE_MAX_JOBS`: jobs reading one machine's raw database at once, across all workers. */
  machineMaxJobs: number;
  /** `PLAN_RAW_CONCURRENCY`: the scheduler's raw connections during a plan (none between plans). */
  planConcurrency: number;
  /** The API's raw connections ({@link API_RAW_CONNECTIONS}). */
  apiConnections: number;
}

/** The most raw connections a deployment can open on one PostgreSQL server. */
export interface ServerBudget {
  /** `host:port`. */
  server: string;
  /** Raw databases of the configured machines on it. */
  databases: number;
  machines: number;
  /** min(workers × WORKER_CONCURRENCY, MACHINE_MAX_JOBS × machines on the server). */
  workers: number;
  /** min(PLAN_RAW_CONCURRENCY, machines on the server). */
  scheduler: number;
  /** min(API connections, machines on the server). */
  api: number;
  total: number;
}

/**
 * The connection formula, per raw server: every process caps its raw connections over all databases
 * together (a worker at `WORKER_CONCURRENCY`, the scheduler at `PLAN_RAW_CONCURRENCY` and only while
 * planning, the API at {@link API_RAW_CONNECTIONS}), and all workers together run at most
 * `MACHINE_MAX_JOBS` jobs per machine. So on a server S holding M_S of the machines:
 *
 *   connections(S) <= min(W x C, MACHINE_MAX_JOBS x M_S) + min(P, M_S) + min(A, M_S)
 *
 * @example
 * rawConnectionBudget({ machines, workers: 2, workerConcurrency: 4, machineMaxJobs: 2, planConcurrency: 4, apiConnections: 8 });
 * // [{ server: 'plant-db:5432', databases: 1000, machines: 1000, workers: 8, scheduler: 4, api: 8, total: 20 }]
 */
export function rawConnectionBudget(plan: RawConnectionPlan): ServerBudget[] {
  const servers = new Map<string, { databases: Set<string>; machines: number }>();
  for (const machine of plan.machines) {
    const server = rawServerLabel(machine.rawDatabaseUrl);
    if (server.startsWith('pglite:')) continue;
    const entry = servers.get(server) ?? { databases: new Set<string>(), machines: 0 };
    entry.databases.add(rawDatabaseLabel(machine.rawDatabaseUrl));
    entry.machines++;
    servers.set(server, entry);
  }
  return [...servers].map(([server, { databases, machines }]) => {
    const workers = Math.min(plan.workers * plan.workerConcurrency, plan.machineMaxJobs * machines);
    const scheduler = Math.min(plan.planConcurrency, machines);
    const api = Math.min(plan.apiConnections, machines);
    return {
      server,
      databases: databases.size,
      machines,
      workers,
      scheduler,
      api,
      total: workers + scheduler + api,
    };
  });
}

/**
 * Why a server's `max_connections` may not be enough for the deployment, or `null` when it is.
 *
 * @example
 * const problem = connectionBudgetProblem(budget, { maxConnections: 100, reserved: 3 });
 * if (problem) logger.warn(problem);
 */
export function connectionBudgetProblem(budget: ServerBudget, limits: ServerLimits): string | null {
  const usable = limits.maxConnections - limits.reserved;
  if (budget.total <= usable) return null;
  return (
    `raw server ${budget.server} allows ${usable} connections (max_connections ${limits.maxConnections} ` +
    `minus ${limits.reserved} reserved) but this deployment may open ${budget.total} on it: ` +
    `workers ${budget.workers}, scheduler ${budget.scheduler}, API ${budget.api}, for ${budget.machines} ` +
    `machines in ${budget.databases} databases; lower WORKER_CONCURRENCY, the number of workers or ` +
    `PLAN_RAW_CONCURRENCY, or raise max_connections (the plant's other clients need their share too)`
  );
}
