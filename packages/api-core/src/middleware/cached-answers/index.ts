import { createHash } from 'node:crypto';
import { isCalendarDate } from '@mm/calendar';
import type { Machine } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import type { MiddlewareHandler } from 'hono';
import { type Kysely, sql } from 'kysely';
import type { AnswerCache, CachedAnswer, CoveredDays, Flight } from '../../answer-cache/answer-cache.ts';
import type { AppEnv } from '../../app-env.ts';
import { isConnectionError } from '../../errors.ts';

export interface CachedAnswersOptions {
  aggDb: Kysely<AggDatabase>;
  machines: readonly Pick<Machine, 'id'>[];
  /** Part of every tag and key, so a deploy that changes a response's format never answers 304 to an old body. */
  version: string;
  /** Answers kept in memory; `null` (or an untrusted cache): every request reads the ledger for its tag. */
  cache?: AnswerCache | null;
}

/**
 * Conditional GETs, and answers from memory, for responses built from aggregates.
 *
 * The tag: every aggregate row is written by an ETL run that also updates its `etl_runs` row in the
 * same transaction, so the ledger rows of the machine and days a request reads say whether its answer
 * can have changed. The tag hashes the app version, the path and its parameters (in a fixed order)
 * and, over those ledger rows, their count and the sums of their start and finish instants (a re-run
 * moves both, whatever order concurrent runs commit in): one indexed query (`etl_runs (machine_id,
 * day)`). `If-None-Match` with the current tag is a `304` without running the route. Responses carry
 * `Cache-Control: no-cache`, so browsers revalidate each time instead of guessing a freshness.
 *
 * The cache: while `cache` is trusted (its listener follows every slice change), a `200` is kept with
 * its tag under the request's key, and a `304` on a miss keeps the tag alone; the next request for the
 * same key is answered from memory (`304` or the kept body) with no database round trip, until a
 * slice of its machine and days changes. The ledger query runs before the route's, and both after
 * the cache's {@link AnswerCache.begin}, so a kept body is never older than its tag, and a change that
 * commits meanwhile keeps nothing.
 *
 * The days come from `target_date`, or `from` and `to`; without them (e.g. `data_status`) all of the
 * machine's days count. A request whose parameters cannot be read (unknown machine, a malformed or
 * repeated date) passes through untagged and uncached: the route answers it with its usual 4xx. So
 * does a request when the ledger cannot be read: the route's own answer (or error) stands.
 *
 * @example
 * app.use('/api/v1/temperature', cachedAnswers({ aggDb, machines: config.machines, version, cache }));
 */
export function cachedAnswers(options: CachedAnswersOptions): MiddlewareHandler<AppEnv> {
  const known = new Set(options.machines.map((m) => m.id));
  const defaultMachine = options.machines[0]?.id;
  const cache = options.cache ?? null;

  return async function cachedAnswersMiddleware(c, next) {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const url = c.req.url;
    const queryAt = url.indexOf('?');
    const key = `${options.version}\n${c.req.path}\n${queryAt < 0 ? '' : normalizedQuery(url.slice(queryAt + 1))}`;
    const ifNoneMatch = c.req.header('if-none-match');
    // Only answers to readable requests are kept: a kept key needs no second look at its parameters.
    const kept = cache?.trusted ? cache.get(key) : undefined;
    if (kept && matches(ifNoneMatch, kept.tag)) {
      cache?.record('hit');
      return c.body(null, 304, cacheHeaders(kept.tag));
    }
    if (kept?.body) {
      cache?.record('hit');
      return c.body(kept.body, 200, { 'Content-Type': kept.contentType, ...cacheHeaders(kept.tag) });
    }

    const covered = coveredDays(c.req.queries(), known, defaultMachine);
    if (!covered) return next();
    let flight: Flight | null = null;
    if (cache?.trusted) {
      cache.record('miss');
      flight = cache.begin(covered);
    } else {
      cache?.record('bypass');
    }

    let keep: CachedAnswer | null = null;
    try {
      const tag = await ledgerTag(options.aggDb, covered, key);
      if (tag instanceof Error) {
        // The tag is an optimisation: the route answers untagged, and reports an outage itself.
        if (!isConnectionError(tag))
          c.get('logger').warn({ err: tag }, 'ETag skipped: the run ledger cannot be read');
        return next();
      }
      if (matches(ifNoneMatch, tag)) {
        keep = { tag, body: null, contentType: '' };
        return c.body(null, 304, cacheHeaders(tag));
      }
      await next();
      if (c.res.status !== 200) return undefined;
      if (flight) {
        const contentType = c.res.headers.get('content-type') ?? 'application/json';
        const body = new Uint8Array(await c.res.arrayBuffer());
        c.res = new Response(body, { status: 200, headers: c.res.headers });
        keep = { tag, body, contentType };
      }
      c.header('ETag', tag);
      c.header('Cache-Control', 'no-cache');
      return undefined;
    } finally {
      if (flight) cache?.finish(flight, key, keep);
    }
  };
}

const cacheHeaders = (tag: string) => ({ ETag: tag, 'Cache-Control': 'no-cache' });

/** The tag of `key` over the current ledger rows of its days, or the error that kept the ledger from being read. */
async function ledgerTag(
  aggDb: Kysely<AggDatabase>,
  covered: CoveredDays,
  key: string,
): Promise<string | Error> {
  let query = aggDb
    .selectFrom('etl_runs')
    .select([
      sql<string>`count(*)::text`.as('runs'),
      sql<string | null>`sum(extract(epoch from started_at))::text`.as('started'),
      sql<string | null>`sum(extract(epoch from finished_at))::text`.as('finished'),
    ])
    .where('machine_id', '=', covered.machine);
  if (covered.from !== null && covered.to !== null)
    query = query.where('day', '>=', covered.from).where('day', '<=', covered.to);
  let ledger: { runs: string; started: string | null; finished: string | null };
  try {
    ledger = await query.executeTakeFirstOrThrow();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  return `"${createHash('sha256')
    .update([key, ledger.runs, ledger.started, ledger.finished].join('\n'))
    .digest('base64url')
    .slice(0, 27)}"`;
}

function coveredDays(
  queries: Record<string, string[]>,
  known: ReadonlySet<string>,
  defaultMachine: string | undefined,
): CoveredDays | null {
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
  if (target !== undefined) return isCalendarDate(target) ? { machine, from: target, to: target } : null;
  if (from !== undefined || to !== undefined) {
    if (!from || !to || !isCalendarDate(from) || !isCalendarDate(to)) return null;
    return { machine, from, to };
  }
  return { machine, from: null, to: null };
}

/**
 * The query string with its parameters in a fixed order (by decoded name; parameters of the same
 * name keep their order), each as sent: requests that differ only in the order of their parameters
 * share one key, and requests that mean different things never do.
 */
function normalizedQuery(query: string): string {
  if (query === '') return '';
  const pairs = query.split('&');
  if (pairs.length === 1) return query;
  const named = pairs.map((pair) => {
    const equals = pair.indexOf('=');
    const raw = equals < 0 ? pair : pair.slice(0, equals);
    return { pair, name: /[%+]/.test(raw) ? decodeName(raw) : raw };
  });
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return named.map((p) => p.pair).join('&');
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** `If-None-Match`: `*`, or a list of tags, weak or strong (a GET compares them weakly, RFC 9110). */
function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === tag);
}
