import { type RawBuilder, sql } from 'kysely';
import { defineEtl } from '../etl.ts';
import { intervalsCtes } from '../intervals.ts';

/**
 * Daily program durations (DOMAIN §5.3): per program value, the time it held during the day with
 * interval semantics (DOMAIN §4), rounded to whole seconds with halves up; a program whose time
 * rounds to 0 s has no row. Off readings (NaN, NULL, UNAVAILABLE, empty) credit no program;
 * invalid ones (±Infinity, out of the role's range) are skipped, so the previous value stands.
 *
 * `program` is text: a float program rounded to an integer (`'12'`), a string program trimmed.
 * Float values are rounded half away from zero in float8 (exact for `real` values): PostgreSQL's
 * `round(float8)` rounds halves to even, and `real::numeric` keeps only 6 significant digits
 * (999.49994 would become 999.5, then 1000).
 */
export const programs = defineEtl({
  id: 'programs',
  tables: ['machine_program_data'],
  async extract({ raw, window, until, roles, machine }) {
    if (!roles.program) {
      // A missing variable is already in roles.warnings; a profile without a program role is not.
      const warnings = machine.profile.program ? [] : ['programs: the profile has no program role'];
      return { rows: { machine_program_data: [] }, rowsRead: 0, invalidSkipped: 0, warnings };
    }
    const { variable, reading } = roles.program;
    const span = { table: variable.table, variableIds: [variable.id], reading, start: window.start };
    const program = variable.table === 'variable_log_float' ? floatProgram : stringProgram;
    // The programs, then one row (program null) with the counts of the same scan.
    const { rows } = await sql<{
      program: string | null;
      duration_seconds: number;
      rows_read: number;
      invalid: number;
    }>`
      with ${intervalsCtes({ ...span, end: until, countEnd: window.end })}
      (select program, ((sum(ms)::bigint + 500) / 1000)::int as duration_seconds, 0 as rows_read, 0 as invalid
       from (select ${program} as program, e - s as ms from intervals where not is_off) as held
       group by program
       having sum(ms) >= 500
       order by program)
      union all
      select null, 0, rows_read, invalid from counts`.execute(raw);
    const counts = rows.find((r) => r.program === null);
    return {
      rows: {
        machine_program_data: rows.flatMap(({ program, duration_seconds }) =>
          program === null ? [] : [{ program, duration_seconds }],
        ),
      },
      rowsRead: counts?.rows_read ?? 0,
      invalidSkipped: counts?.invalid ?? 0,
    };
  },
});

// Half away from zero; `::bigint` before `::text` so that -0.4 gives '0', not '-0'.
const floatProgram: RawBuilder<string> = sql<string>`
  (sign(value::float8) * floor(abs(value::float8) + 0.5))::bigint::text`;

const stringProgram: RawBuilder<string> = sql<string>`btrim(value)`;
