import { daysBetween, localDay, supportedPart } from '@mm/calendar';
import type { Machine } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';
import { dataSpan } from './data-span.ts';
import { resolveRoles } from './roles.ts';
import { SignalCatalog } from './signal-catalog.ts';

/** The days of a requested range a machine has raw data for. */
export interface DaysWithData {
  /** The requested days from the machine's first to its latest day with a reading, in order. */
  days: string[];
  /** The machine's first and last local days with a reading; `null` when it has none. */
  dataDays: { from: string; to: string } | null;
  /** Requested days left out because they lie outside `dataDays`. */
  skipped: number;
}

/**
 * The days of `from`..`to` (valid dates) on which `machine` can have data: those from the local day of
 * its first reading to that of its latest ({@link dataSpan}, read from the raw database itself, so an
 * import of older data counts at once). A producer queues only these, so no ledger row is ever
 * written for a day before any data, or after the latest reading (the scheduler takes those as
 * readings arrive).
 *
 * @example
 * await daysWithData(machine, raw, '1900-01-01', '2024-03-01');
 * // { days: ['2024-02-20', …, '2024-03-01'], dataDays: { from: '2024-02-20', to: '2024-11-30' }, skipped: … }
 */
export async function daysWithData(
  machine: Machine,
  raw: Kysely<RawDatabase>,
  from: string,
  to: string,
): Promise<DaysWithData> {
  const requested = daysBetween(from, to);
  const catalog = await SignalCatalog.load(raw);
  const span = await dataSpan(raw, resolveRoles(machine, catalog), catalog);
  const dataDays =
    span && supportedPart(localDay(span.first, machine.timezone), localDay(span.last, machine.timezone));
  if (!dataDays) return { days: [], dataDays: null, skipped: requested.length };
  const days = requested.filter((day) => day >= dataDays.from && day <= dataDays.to);
  return { days, dataDays, skipped: requested.length - days.length };
}
