import { sql } from 'kysely';
import { defineEtl } from '../etl.ts';
import { floatReading } from '../readings.ts';
import type { SliceRow } from '../slice-tables.ts';

const MS_PER_HOUR = 3_600_000;

/**
 * Hourly energy (DOMAIN §5.5): for each local hour, the sum over the profile's motors of
 * ∫ clamp(load, 0, 100) / 100 × rated kW dt, in kWh, with interval semantics (DOMAIN §4: carry-in
 * from before the day, off = 0 kW, ±Infinity skipped so the previous load stands), cut exactly at
 * hour boundaries and never past `until`. An hour has a row when some motor holds a valid load
 * during part of it, even a 0 % one; hours with only off or unknown loads have none.
 *
 * One statement for all motors of the day, one lateral per (motor, local hour), no interval
 * materialised or cut, and nothing for PostgreSQL to sort:
 * - Each (motor, hour) stream is the motor's rows of that hour, which an index range scan returns
 *   in time order, plus one row at the hour's start (if before `until`) holding the load in force
 *   there (one index lookup). `lead()` ends every interval at the next reading or the hour's end, so
 *   each piece lies in its hour and the lateral's plain aggregate is that hour's sum; the first
 *   hour's start row is the carry-in. A reading on the hour's start ties with the start row; both
 *   hold the same load, so whichever comes first is a piece of zero length.
 * - Grouping a whole motor's day by hour instead would sort every piece by hour: the planner cannot
 *   know that time order is hour order.
 * - Invalid rows stay in the stream, so the same pass counts the rows read and the invalid ones; an
 *   invalid row holds the load in force before it (looked up for those rows only: they are rare),
 *   which is the previous load standing.
 */
export const energy = defineEtl({
  id: 'energy',
  tables: ['energy_consumption_hourly'],
  async extract({ raw, window, until, roles }) {
    if (roles.motors.length === 0) {
      return {
        rows: { energy_consumption_hourly: [] },
        rowsRead: 0,
        invalidSkipped: 0,
        warnings: ["motors: the profile maps no motors (set them with ratedKw in the machine's signals)"],
      };
    }
    // Motors are float signals (string ones are dropped when roles are resolved). A variable that
    // two motors name is read once and credited to both: its rated kW are added up.
    const ratedKw = new Map<number, number>();
    for (const { variable, motor } of roles.motors)
      ratedKw.set(variable.id, (ratedKw.get(variable.id) ?? 0) + motor.ratedKw);
    const ids = [...ratedKw.keys()];
    const { invalid, off } = floatReading;

    const end = sql`${until}::bigint`;
    // The load in force at a stream row's instant: the motor's last non-invalid reading at (or
    // before) it. `value` in `invalid` is the innermost one, held's.
    const held = (at: 'at' | 'before') => sql`
      from variable_log_float as held
      where held.id_var = m.id_var and held.date ${at === 'at' ? sql`<=` : sql`<`} stream.date and not ${invalid}
      order by held.date desc limit 1`;
    const { rows: groups } = await sql<{
      hour: number;
      energy_kwh: number | null;
      valid: boolean | null;
      rows_read: number;
      invalid: number;
    }>`
      select h.n - 1 as hour, sum(kw_ms) / ${MS_PER_HOUR}::float8 as energy_kwh, bool_or(valid) as valid,
             sum(rows_read)::int as rows_read, sum(invalid)::int as invalid
      from unnest(${ids}::int[], ${[...ratedKw.values()]}::float8[]) as m(id_var, rated_kw)
      cross join unnest(${window.bounds.slice(0, -1)}::bigint[], ${window.bounds.slice(1)}::bigint[])
        with ordinality as h(hs, he, n)
      cross join lateral (
        select sum(case when ${off} then 0::float8 else least(greatest(value::float8, 0), 100) / 100 * m.rated_kw end * (e - s))
                 filter (where known and e > s) as kw_ms,
               bool_or(not ${off}) filter (where known and e > s) as valid,
               count(*) filter (where logged) as rows_read,
               count(*) filter (where logged and invalid) as invalid
        from (
          select logged, invalid, date as s,
                 least(coalesce(lead(date) over (order by date), h.he), ${end}) as e,
                 case when not invalid then known else exists (select ${held('before')}) end as known,
                 case when not invalid then value else (select held.value ${held('before')}) end as value
          from (
            (select date, value, ${invalid} as invalid, true as logged, true as known
             from variable_log_float
             where id_var = m.id_var and date >= h.hs and date < h.he
             order by date)
            union all
            (select stream.date, held.value, false, false, held.found is not null
             from (select h.hs as date) as stream
             left join lateral (select held.value, true as found ${held('at')}) as held on true
             where stream.date < ${end})
          ) as stream
        ) as pieces
      ) as per_motor
      group by h.n
      order by h.n`.execute(raw);

    let rowsRead = 0;
    let invalidSkipped = 0;
    const rows: SliceRow<'energy_consumption_hourly'>[] = [];
    for (const group of groups) {
      rowsRead += group.rows_read;
      invalidSkipped += group.invalid;
      if (group.valid && group.energy_kwh !== null)
        rows.push({ hour_ts: window.bounds[group.hour]!, energy_kwh: group.energy_kwh });
    }
    return { rows: { energy_consumption_hourly: rows }, rowsRead, invalidSkipped };
  },
});
