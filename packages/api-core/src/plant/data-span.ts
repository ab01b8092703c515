import { localDay } from '@mm/calendar';
import { formatAware } from '../time/format.ts';

/** A machine's span of raw data as the planner last recorded it (`machine_data_spans`). */
export interface SpanRow {
  first_reading: Date | null;
  last_reading: Date | null;
  checked_at: Date | null;
}

/**
 * `recorded`: the planner read the machine's raw data and found readings from `first_reading` to
 * `last_reading`; `no_readings`: it found none; `unknown`: it has not looked yet (nothing is guessed).
 */
export type SpanState = 'recorded' | 'no_readings' | 'unknown';

export interface DataSpanView {
  state: SpanState;
  first_reading: string | null;
  last_reading: string | null;
  first_day: string | null;
  last_day: string | null;
  last_reading_age_seconds: number | null;
  checked_at: string | null;
}

/**
 * The `data_span` of a machine in API form: instants as aware timestamps and days in its zone, the
 * age of its latest reading at `now`. `row` undefined (or without `checked_at`): never recorded.
 *
 * @example
 * dataSpanView({ first_reading, last_reading, checked_at }, 'Europe/Madrid', new Date());
 */
export function dataSpanView(row: SpanRow | undefined, zone: string, now: Date): DataSpanView {
  const checked = row?.checked_at ?? null;
  const first = row?.first_reading ?? null;
  const last = row?.last_reading ?? null;
  const state: SpanState = checked === null ? 'unknown' : first && last ? 'recorded' : 'no_readings';
  return {
    state,
    first_reading: first ? formatAware(first, zone) : null,
    last_reading: last ? formatAware(last, zone) : null,
    first_day: first ? localDay(first.getTime(), zone) : null,
    last_day: last ? localDay(last.getTime(), zone) : null,
    last_reading_age_seconds: last ? Math.max(0, Math.round((now.getTime() - last.getTime()) / 1000)) : null,
    checked_at: checked ? formatAware(checked, zone) : null,
  };
}
