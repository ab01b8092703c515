import { sql } from 'kysely';
import type { EtlDefinition } from '../etl.ts';
import { readingCountsSql } from '../intervals.ts';
import type { SliceRow } from '../slice-tables.ts';

/**
 * Hourly statistics of each temperature sensor (DOMAIN §5.1): the readings whose timestamp falls
 * in the local hour, finite and (where the profile says so) non-zero, times the scale; min, max,
 * mean, sample standard deviation (NULL below two readings) and count. No interval semantics:
 * a reading belongs to the hour it was logged in.
 */
export const sensorStats: EtlDefinition = {
  id: 'sensor-stats',
  tables: ['agg_sensor_stats'],
  async extract({ raw, window, roles }) {
    const rows: SliceRow[] = [];
    let rowsRead = 0;
    let invalidSkipped = 0;
    const bounds = sql`${window.bounds}::bigint[]`;
    for (const { variable, sensor, reading } of roles.temperature) {
      const span = {
        table: variable.table,
        variableIds: [variable.id],
        reading,
        start: window.start,
        end: window.end,
      };
      const counts = await readingCountsSql(span).execute(raw);
      rowsRead += counts.rows[0]?.rows_read ?? 0;
      invalidSkipped += counts.rows[0]?.invalid ?? 0;
      const { rows: hours } = await sql<{
        hour_ts: number;
        min_value: number;
        max_value: number;
        avg_value: number;
        std_dev: number | null;
        readings_count: number;
      }>`
        select (${bounds})[width_bucket(date, ${bounds})] as hour_ts,
               min(x) as min_value, max(x) as max_value, avg(x) as avg_value,
               stddev_samp(x) as std_dev, count(*)::int as readings_count
        from variable_log_float
        cross join lateral (select value::float8 * ${sensor.scale}::float8 as x) as scaled
        where id_var = ${variable.id}
          and date >= ${window.start}::bigint and date < ${window.end}::bigint
          and not ${reading.invalid} and not ${reading.off}
        group by 1
        order by 1`.execute(raw);
      for (const hour of hours) rows.push({ sensor_name: variable.name, ...hour });
    }
    return { rows: { agg_sensor_stats: rows }, rowsRead, invalidSkipped };
  },
};
