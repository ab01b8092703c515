import { createHash } from 'node:crypto';
import type { Machine } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import type { MiddlewareHandler } from 'hono';
import { type Kysely, sql } from 'kysely';
import type { AppEnv } from '../../app-env.ts';
import { isConnectionError } from '../../errors.ts';

export interface LedgerEtagOptions {
  aggDb: Kysely<AggDatabase>;
  machines: readonly Pick<Machine, 'id'>[];
  /** Part of every tag, so a deploy that changes a response's format never answers 304 to an old body. */
  version: string;
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** A date PostgreSQL takes (`2024-02-30` and year 0 are not), so the ledger query never fails on a cast. */
function isDate(text: string): boolean {
  if (!datePattern.test(text) || text.startsWith('0000')) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(text);
}

/**
 * Conditional GETs for responses built from aggregates: every aggregate row is written by an ETL run
 * that also updates its `etl_runs` row in the same transaction, so the ledger rows of the machine and
 * days a request reads say whether its answer can have changed. The tag hashes the request URL, the
 * app version and, over those ledger rows, their count and the sums of their start and finish instants
 * (a re-run moves both, whatever order concurrent runs commit in). One indexed query
 * (`etl_runs (machine_id, day)`) instead of the route's; `If-None-Match` with the current tag is a
 * `304` without running the route. Responses carry `Cache-Control: no-cache`, so browsers revalidate
 * each time instead of guessing a freshness.
 *
 * The days come from `target_date`, or `from` and `to`; without them (e.g. `data_status`) all of the
 * machine's days count. A request whose parameters cannot be read (unknown machine, a malformed or
 * repeated date) passes through untagged: the route answers it with its usual 4xx. So does a request
 * when the ledger cannot be read: the route's own answer (or error) stands.
 *
 * @example
 * app.use('/api/v1/temperature', ledgerEtag({ aggDb, machines: config.machines, version }));
 */
export function ledgerEtag(options: LedgerEtagOptions): MiddlewareHandler<AppEnv> {
  const known = new Set(options.machines.map((m) => m.id));
  const defaultMachine = options.machines[0]?.id;

  return async function ledgerEtagMiddleware(c, next) {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const slice = sliceOf(c.req.queries(), known, defaultMachine);
    if (!slice) return next();

    let query = options.aggDb
      .selectFrom('etl_runs')
      .select([
        sql<string>`count(*)::text`.as('runs'),
        sql<string | null>`sum(extract(epoch from started_at))::text`.as('started'),
        sql<string | null>`sum(extract(epoch from finished_at))::text`.as('finished'),
      ])
      .where('machine_id', '=', slice.machine);
    if (slice.from !== null) query = query.where('day', '>=', slice.from).where('day', '<=', slice.to);
    let ledger: { runs: string; started: string | null; finished: string | null };
    try {
      ledger = await query.executeTakeFirstOrThrow();
    } catch (error) {
      // The tag is an optimisation: the route answers untagged, and reports an outage itself.
      if (!isConnectionError(error))
        c.get('logger').warn({ err: error }, 'ETag skipped: the run ledger cannot be read');
      return next();
    }

    const url = new URL(c.req.url);
    const tag = `"${createHash('sha256')
      .update(
        [options.version, url.pathname, url.search, ledger.runs, ledger.started, ledger.finished].join('\n'),
      )
      .digest('base64url')
      .slice(0, 27)}"`;
    if (matches(c.req.header('if-none-match'), tag)) {
      return c.body(null, 304, { ETag: tag, 'Cache-Control': 'no-cache' });
    }
    await next();
    if (c.res.status === 200) {
      c.header('ETag', tag);
      c.header('Cache-Control', 'no-cache');
    }
    return undefined;
  };
}

interface Slice {
  machine: string;
  /** `null`: every day of the machine. */
  from: string | null;
  to: string | null;
}

function sliceOf(
  queries: Record<string, string[]>,
  known: ReadonlySet<string>,
  defaultMachine: string | undefined,
): Slice | null {
  const one = (name: string): string | undefined | null => {
    const values = queries[name];
    if (values === undefined) return undefined;
    return values.length === 1 ? (values[0] ?? null) : null;
  };
  const named = one('machine');
  const machine = named === undefined ? defaultMachine : named;
  if (machine === null || machine === undefined || !known.has(machine)) return null;
  const target = one('target_date');
  const from = one('from');
  const to = one('to');
  if (target === null || from === null || to === null) return null;
  if (target !== undefined) return isDate(target) ? { machine, from: target, to: target } : null;
  if (from !== undefined || to !== undefined) {
    if (!from || !to || !isDate(from) || !isDate(to)) return null;
    return { machine, from, to };
  }
  return { machine, from: null, to: null };
}

/** `If-None-Match`: `*`, or a list of tags, weak or strong (a GET compares them weakly, RFC 9110). */
function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === tag);
}
