import type { AggDatabase, RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { computeHorizon } from './horizon.ts';
import { knownEdge } from './known-edge.ts';
import type { ResolvedRoles } from './roles.ts';
import type { SignalCatalog } from './signal-catalog.ts';

/** The instants of a machine's first and last known readings (epoch ms, UTC). */
export interface DataSpan {
  /** The earliest valid or off reading on any mapped variable. */
  first: number;
  /** The horizon (DOMAIN §3): the latest valid or off reading on any mapped variable. */
  last: number;
}

/**
 * The span of raw data an ETL can see for this machine: the earliest and the latest valid or off
 * reading on the variables its profile maps (invalid readings count for neither, as for the
 * horizon). `null` when there is none. A full backfill runs every machine-local day from
 * `localDay(first)` to `localDay(last)`.
 *
 * Two index lookups per variable (oldest first, newest first), so it costs milliseconds on any
 * history length.
 *
 * @example
 * const catalog = await SignalCatalog.load(raw);
 * const span = await dataSpan(raw, resolveRoles(machine, catalog), catalog);
 * if (span) daysBetween(localDay(span.first, tz), localDay(span.last, tz));
 */
export async function dataSpan(
  raw: Kysely<RawDatabase>,
  roles: ResolvedRoles,
  catalog: SignalCatalog,
): Promise<DataSpan | null> {
  const last = await computeHorizon(raw, roles, catalog);
  if (last === null) return null;
  // The horizon found data, so some reading exists; `first` can only be null on a race with a
  // concurrent delete, where the horizon is the best bound left.
  const first = await knownEdge(raw, roles, catalog, 'first');
  return { first: first ?? last, last };
}

/** A machine's recorded span (`span: null`: no data when it was checked). */
export interface RecordedSpan {
  machineId: string;
  span: DataSpan | null;
  checkedAt: Date;
  /**
   * The raw database's modification counter when the span was read (`rawChangeCounter`; null or
   * absent: unknown). The planner reuses a span while the counter has not moved.
   */
  rawChanges?: number | null;
}

/**
 * Records the spans just read from the machines' raw databases, in one set-based upsert whatever the
 * number of machines. The planner calls it every plan; readers of many machines at once (the API's
 * plant view and status grid) read the table instead of every raw database.
 *
 * @example
 * await recordDataSpans(aggDb, [{ machineId: 'press-07', span, checkedAt: new Date() }]);
 */
export async function recordDataSpans(
  aggDb: Kysely<AggDatabase>,
  spans: readonly RecordedSpan[],
): Promise<void> {
  if (spans.length === 0) return;
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  await sql`
    insert into machine_data_spans (machine_id, first_reading, last_reading, checked_at, raw_changes)
    select * from unnest(
      ${spans.map((s) => s.machineId)}::text[],
      ${spans.map((s) => iso(s.span?.first))}::timestamptz[],
      ${spans.map((s) => iso(s.span?.last))}::timestamptz[],
      ${spans.map((s) => s.checkedAt.toISOString())}::timestamptz[],
      ${spans.map((s) => s.rawChanges ?? null)}::bigint[])
    on conflict (machine_id) do update set
      first_reading = excluded.first_reading,
      last_reading = excluded.last_reading,
      checked_at = excluded.checked_at,
      raw_changes = excluded.raw_changes`.execute(aggDb);
}

/**
 * The recorded spans of some machines (all when `machineIds` is omitted); a machine never checked has
 * no entry.
 *
 * @example
 * const spans = await readDataSpans(aggDb, ['press-07']);
 * spans.get('press-07')?.span?.last; // epoch ms of its latest reading
 */
export async function readDataSpans(
  aggDb: Kysely<AggDatabase>,
  machineIds?: readonly string[],
): Promise<Map<string, RecordedSpan>> {
  let query = aggDb.selectFrom('machine_data_spans').selectAll();
  if (machineIds) {
    if (machineIds.length === 0) return new Map();
    query = query.where('machine_id', 'in', [...machineIds]);
  }
  const rows = await query.execute();
  return new Map(
    rows.map((r) => [
      r.machine_id,
      {
        machineId: r.machine_id,
        span:
          r.first_reading && r.last_reading
            ? { first: r.first_reading.getTime(), last: r.last_reading.getTime() }
            : null,
        checkedAt: r.checked_at,
        ...(r.raw_changes === null ? {} : { rawChanges: r.raw_changes }),
      },
    ]),
  );
}
