import type { RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';
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
