// The design the ETLs replaced, for comparison: pull each day's raw rows into Node, aggregate them
// in JavaScript, and upsert the results one row per statement. Runs on a few days; the benchmark
// extrapolates by raw rows. Simplified where it costs nothing (alarm identity, word matching).

import { dayWindow } from '@mm/calendar';
import type { Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { resolveRoles } from '../src/roles.ts';
import type { SignalCatalog } from '../src/signal-catalog.ts';

interface Row {
  id_var: number;
  date: number;
  value: number | null;
}

const isOff = (v: number | null) => v === null || Number.isNaN(v);
const isInfinite = (v: number | null) => v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY;

/** Runs the row-by-row design over `days`; returns its time and the raw rows those days hold. */
export async function rowByRow(
  raw: Kysely<RawDatabase>,
  agg: Kysely<AggDatabase>,
  machine: Machine,
  catalog: SignalCatalog,
  days: string[],
  horizon: number,
): Promise<{ ms: number; rawRows: number }> {
  const roles = resolveRoles(machine, catalog);
  const { state, program, temperature, alarms, motors } = roles;
  if (!state || !program || !alarms) throw new Error('row-by-row needs the logger roles');
  const started = performance.now();
  for (const day of days) {
    const w = dayWindow(day, machine.timezone);
    const until = Math.min(w.end, horizon);
    const hourOf = (t: number) => {
      let lo = 0;
      let hi = w.bounds.length - 2;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (w.bounds[mid]! <= t) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const pull = async (id: number): Promise<Row[]> => {
      const carry = await sql<Row>`
        select id_var, date, value from variable_log_float
        where id_var = ${id} and date < ${w.start} and value not in ('Infinity', '-Infinity')
        order by date desc limit 1`.execute(raw);
      const inDay = await sql<Row>`
        select id_var, date, value from variable_log_float
        where id_var = ${id} and date >= ${w.start} and date < ${w.end} order by date`.execute(raw);
      return [...carry.rows, ...inDay.rows.filter((r) => !isInfinite(r.value))];
    };
    // Each reading holds until the next one or `until`, clipped to the day.
    const intervals = (rows: Row[], visit: (value: number | null, s: number, e: number) => void) => {
      rows.forEach((r, i) => {
        const s = Math.max(r.date, w.start);
        const e = Math.min(rows[i + 1]?.date ?? until, until);
        if (e > s) visit(r.value, s, e);
      });
    };

    // sensor-stats
    for (const t of temperature) {
      const hours = new Map<number, { min: number; max: number; sum: number; sq: number; n: number }>();
      for (const r of await pull(t.variable.id)) {
        if (r.date < w.start || isOff(r.value) || (t.sensor.zeroIsMissing && r.value === 0)) continue;
        const x = r.value! * t.sensor.scale;
        const k = hourOf(r.date);
        const h = hours.get(k) ?? { min: x, max: x, sum: 0, sq: 0, n: 0 };
        h.min = Math.min(h.min, x);
        h.max = Math.max(h.max, x);
        h.sum += x;
        h.sq += x * x;
        h.n++;
        hours.set(k, h);
      }
      for (const [k, h] of hours) {
        const avg = h.sum / h.n;
        const std = h.n > 1 ? Math.sqrt(Math.max(0, (h.sq - h.n * avg * avg) / (h.n - 1))) : null;
        await sql`
          insert into agg_sensor_stats values (${machine.id}, ${t.variable.name},
            ${new Date(w.bounds[k]!).toISOString()}::timestamptz, ${day}::date, ${h.min}, ${h.max}, ${avg}, ${std}, ${h.n})
          on conflict (machine_id, sensor_name, hour_ts) do update set min_value = excluded.min_value,
            max_value = excluded.max_value, avg_value = excluded.avg_value, std_dev = excluded.std_dev,
            readings_count = excluded.readings_count`.execute(agg);
      }
    }

    // machine-activity
    let running = 0;
    let idle = 0;
    intervals(await pull(state.variable.id), (v, s, e) => {
      if (isOff(v)) return;
      if (v === 255) running += e - s;
      else idle += e - s;
    });
    await sql`
      insert into agg_machine_activity_daily (machine_id, day, running_seconds, unplanned_down_seconds,
        planned_down_seconds, day_seconds)
      values (${machine.id}, ${day}::date, ${running / 1000}, ${idle / 1000},
        ${(until - w.start - running - idle) / 1000}, ${(w.end - w.start) / 1000})
      on conflict (machine_id, day) do update set running_seconds = excluded.running_seconds,
        unplanned_down_seconds = excluded.unplanned_down_seconds,
        planned_down_seconds = excluded.planned_down_seconds, day_seconds = excluded.day_seconds`.execute(
      agg,
    );

    // programs
    const held = new Map<string, number>();
    const programRows = (await pull(program.variable.id)).filter(
      (r) => isOff(r.value) || (r.value! >= program.role.min && r.value! < program.role.max),
    );
    intervals(programRows, (v, s, e) => {
      if (isOff(v)) return;
      const key = String(Math.sign(v!) * Math.floor(Math.abs(v!) + 0.5));
      held.set(key, (held.get(key) ?? 0) + e - s);
    });
    for (const [name, ms] of held) {
      const seconds = Math.floor((ms + 500) / 1000);
      if (seconds === 0) continue;
      await sql`
        insert into machine_program_data values (${machine.id}, ${day}::date, ${name}, ${seconds})
        on conflict (machine_id, day, program) do update set duration_seconds = excluded.duration_seconds`.execute(
        agg,
      );
    }

    // energy
    const kwh = new Map<number, number>();
    for (const m of motors) {
      intervals(await pull(m.variable.id), (v, s, e) => {
        const kw = isOff(v) ? 0 : (Math.min(Math.max(v!, 0), 100) / 100) * m.motor.ratedKw;
        for (let k = hourOf(s); k < w.bounds.length - 1 && w.bounds[k]! < e; k++) {
          const piece = Math.min(e, w.bounds[k + 1]!) - Math.max(s, w.bounds[k]!);
          if (piece <= 0) continue;
          // An hour has a row when some motor holds a valid value in it (even a 0 % one).
          const sum = kwh.get(k) ?? (isOff(v) ? undefined : 0);
          if (sum !== undefined) kwh.set(k, sum + (kw * piece) / 3_600_000);
        }
      });
    }
    for (const [k, energy] of kwh) {
      await sql`
        insert into energy_consumption_hourly values (${machine.id},
          ${new Date(w.bounds[k]!).toISOString()}::timestamptz, ${day}::date, ${energy})
        on conflict (machine_id, hour_ts) do update set energy_kwh = excluded.energy_kwh`.execute(agg);
    }

    // alerts: each snapshot diffed against the previous valid one
    const counts = new Map<string, number>();
    for (const variable of alarms.variables) {
      const { rows } = await sql<{ date: number; value: string | null }>`
        (select date, value from variable_log_string where id_var = ${variable.id} and date < ${w.start}
         order by date desc limit 1)
        union all
        (select date, value from variable_log_string
         where id_var = ${variable.id} and date >= ${w.start} and date < ${w.end} order by date)`.execute(
        raw,
      );
      let previous = new Set<string>();
      for (const row of rows) {
        let list: unknown;
        const text = row.value?.trim() ?? '';
        try {
          list = text === '' || text === 'UNAVAILABLE' ? [] : JSON.parse(text);
        } catch {
          continue;
        }
        if (!Array.isArray(list)) continue;
        const current = new Set<string>();
        for (const el of list) {
          if (!Array.isArray(el) || el.length < 2) continue;
          const id = String(el[0]).trim() || String(el[1]).trim();
          current.add(id);
          if (row.date >= w.start && !previous.has(id)) {
            const d = String(el[1]);
            const type = /(^|\P{L})emerg/iu.test(d)
              ? 'emergency'
              : /(^|\P{L})(err|fallo|fault)/iu.test(d)
                ? 'error'
                : /(^|\P{L})(alert|alarm|warn|aviso|atten|atenc)/iu.test(d)
                  ? 'warning'
                  : 'other';
            counts.set(type, (counts.get(type) ?? 0) + 1);
          }
        }
        previous = current;
      }
    }
    for (const [type, amount] of counts) {
      await sql`
        insert into alerts_daily_count values (${machine.id}, ${day}::date, ${type}, ${amount})
        on conflict (machine_id, day, alert_type) do update set amount = excluded.amount`.execute(agg);
    }
  }
  const ms = performance.now() - started;
  const first = dayWindow(days[0]!, machine.timezone).start;
  const last = dayWindow(days.at(-1)!, machine.timezone).end;
  const { rows } = await sql<{ n: number }>`
    select (select count(*) from variable_log_float where date >= ${first} and date < ${last})
         + (select count(*) from variable_log_string where date >= ${first} and date < ${last}) as n`.execute(
    raw,
  );
  return { ms, rawRows: Number(rows[0]?.n ?? 0) };
}
