import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, type RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlantOptions } from './plant.ts';
import { SimulationConflictError, type SimulationSummary, simulatePlant } from './simulate-plant.ts';

// Thursday to Tuesday across the spring-forward Sunday in Madrid.
const options: PlantOptions = {
  seed: 7,
  start: '2024-03-28',
  days: 6,
  timezone: 'Europe/Madrid',
  volume: 0.05,
};

const one = async <T>(db: Kysely<RawDatabase>, query: ReturnType<typeof sql<T>>): Promise<T> => {
  const { rows } = await query.execute(db);
  return rows[0] as T;
};

/** A digest of every log row in key order: equal digests, equal databases. */
async function digest(db: Kysely<RawDatabase>): Promise<string> {
  const row = await one<{ float: string; string: string }>(
    db,
    sql`select
      (select md5(string_agg(id_var || ':' || date || ':' || coalesce(value::text, '<null>'), ',' order by id_var, date))
         from variable_log_float) as float,
      (select md5(string_agg(id_var || ':' || date || ':' || coalesce(value, '<null>'), ',' order by id_var, date))
         from variable_log_string) as string`,
  );
  return `${row.float}/${row.string}`;
}

/** Like {@link digest} with variables by name, for databases whose ids differ. */
async function digestByName(db: Kysely<RawDatabase>): Promise<string> {
  const row = await one<{ float: string; string: string }>(
    db,
    sql`select
      (select md5(string_agg(v.name || ':' || date || ':' || coalesce(value::text, '<null>'), ',' order by v.name, date))
         from variable_log_float f join variable v on v.id = f.id_var where v.name <> 'OTHER') as float,
      (select md5(string_agg(v.name || ':' || date || ':' || coalesce(value, '<null>'), ',' order by v.name, date))
         from variable_log_string s join variable v on v.id = s.id_var) as string`,
  );
  return `${row.float}/${row.string}`;
}

describe('simulatePlant on PostgreSQL', () => {
  let a: TestDatabase<RawDatabase>;
  let summary: SimulationSummary;
  const days: string[] = [];

  beforeAll(async () => {
    a = await createTestDatabase('raw');
    summary = await simulatePlant({ ...options, url: a.url, onDay: (d) => days.push(d.day) });
    // PostgreSQL 15 has no `IS JSON`: a JSON test that survives bad input, in this throwaway database.
    await sql`
      create function try_jsonb(t text) returns jsonb language plpgsql immutable as $$
      begin return t::jsonb; exception when others then return null; end $$
    `.execute(a.db);
  });
  afterAll(() => a?.drop());

  it('bulk-loads empty tables with COPY and reports every day and row', async () => {
    expect(summary.method).toBe('bulk-copy');
    expect(days).toEqual([
      '2024-03-28',
      '2024-03-29',
      '2024-03-30',
      '2024-03-31',
      '2024-04-01',
      '2024-04-02',
    ]);
    const counts = await one<{ float: number; string: number; variables: number }>(
      a.db,
      sql`select (select count(*) from variable_log_float)::int as float,
                 (select count(*) from variable_log_string)::int as string,
                 (select count(*) from variable)::int as variables`,
    );
    expect(counts).toEqual({
      float: summary.rows.float,
      string: summary.rows.string,
      variables: Object.keys(summary.variables).length,
    });
    expect(summary.rows.total).toBeGreaterThan(20_000);
  });

  it('leaves the primary keys as they were after a bulk load', async () => {
    const { rows } = await sql<{ key: string }>`
      select conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) as key
      from pg_constraint where contype = 'p' and conrelid::regclass::text like 'variable%' order by 1`.execute(
      a.db,
    );
    expect(rows.map((r) => r.key)).toEqual([
      'variable variable_pkey PRIMARY KEY (id)',
      'variable_log_float variable_log_float_pkey PRIMARY KEY (id_var, date)',
      'variable_log_string variable_log_string_pkey PRIMARY KEY (id_var, date)',
    ]);
  });

  it('writes the same rows day by day with COPY into tables that already hold other rows', async () => {
    const b = await createTestDatabase('raw');
    try {
      await sql`insert into variable values (1, 'OTHER', 'java.lang.Double')`.execute(b.db);
      await sql`insert into variable_log_float values (1, 0, 1), (1, 1, 2)`.execute(b.db);
      const other = await simulatePlant({ ...options, url: b.url });
      expect(other.method).toBe('copy');
      expect(other.variables.MACHINE_IN_OPERATION).toBe(2);
      expect(await digestByName(b.db)).toBe(await digestByName(a.db));
    } finally {
      await b.drop();
    }
  });

  it('is deterministic: the same seed writes identical rows, another seed other rows', async () => {
    const b = await createTestDatabase('raw');
    const c = await createTestDatabase('raw');
    try {
      await simulatePlant({ ...options, url: b.url });
      await simulatePlant({ ...options, seed: 8, url: c.url });
      const reference = await digest(a.db);
      expect(await digest(b.db)).toBe(reference);
      expect(await digest(c.db)).not.toBe(reference);
    } finally {
      await b.drop();
      await c.drop();
    }
  });

  it('logs only changes: no value repeats the previous one of its variable', async () => {
    // `is not distinct from` counts NaN = NaN and NULL = NULL as repeats, as they are for the logger.
    const repeats = await one<{ float: number; string: number }>(
      a.db,
      sql`select
        (select count(*) from (select value, lag(value) over w as prev, row_number() over w as n
           from variable_log_float window w as (partition by id_var order by date)) s
         where n > 1 and value is not distinct from prev)::int as float,
        (select count(*) from (select value, lag(value) over w as prev, row_number() over w as n
           from variable_log_string window w as (partition by id_var order by date)) s
         where n > 1 and value is not distinct from prev)::int as string`,
    );
    expect(repeats).toEqual({ float: 0, string: 0 });
  });

  it('writes exactly the garbage it reports', async () => {
    const counted = await one<Record<string, number>>(
      a.db,
      sql`select
        ((select count(*) from variable_log_float where value is null)
          + (select count(*) from variable_log_string where value is null))::int as nulls,
        (select count(*) from variable_log_float where value in ('Infinity'::real, '-Infinity'::real))::int as infinities,
        (select count(*) from variable_log_string s join variable v on v.id = s.id_var
          where v.name = 'ALARMS' and s.value not in ('UNAVAILABLE', '') and try_jsonb(s.value) is null)::int
          as "invalidJson",
        (select count(*) from variable_log_string s join variable v on v.id = s.id_var
          cross join lateral (select try_jsonb(s.value) as j) parsed
          where v.name = 'ALARMS' and parsed.j is not null
            and (jsonb_typeof(parsed.j) <> 'array' or exists (
              select 1 from jsonb_array_elements(parsed.j) e
              where jsonb_typeof(e) <> 'array' or jsonb_array_length(case when jsonb_typeof(e) = 'array' then e else '[]' end) < 2)))::int
          as "badAlarmElements",
        (select count(*) from variable_log_float f join variable v on v.id = f.id_var
          where v.name = 'PROG_STATUS' and f.value not in ('NaN'::real, 'Infinity'::real, '-Infinity'::real)
            and (f.value < 0 or f.value >= 1000))::int as "programOutOfRange"`,
    );
    expect(counted).toEqual(summary.garbage);
    for (const n of Object.values(counted)) expect(n).toBeGreaterThan(0);
  });

  it('is off (NaN / UNAVAILABLE) outside its power periods and logs nothing else there', async () => {
    const on = summary.powerPeriods.map((p) => p.on);
    const off = summary.powerPeriods.map((p) => p.off);
    const misplaced = await one<{ live_outside: number; off_elsewhere: number }>(
      a.db,
      sql`with p as (select * from unnest(${on}::int8[], ${off}::int8[]) as p(on_ms, off_ms)),
        rows as (
          select date, coalesce(value = 'NaN'::real, false) as is_off from variable_log_float
          union all
          select date, coalesce(value = 'UNAVAILABLE', false) from variable_log_string)
      select
        count(*) filter (where not is_off and not exists (select 1 from p where date >= on_ms and date < off_ms))::int
          as live_outside,
        count(*) filter (where is_off and not exists (select 1 from p where date = off_ms))::int as off_elsewhere
      from rows`,
    );
    expect(misplaced).toEqual({ live_outside: 0, off_elsewhere: 0 });
  });

  it('powers on at 06:00 local (± jitter) on both sides of the DST change, by PostgreSQL time zone rules', async () => {
    const { rows } = await sql<{ day: string; first: string; first_utc: string }>`
      select to_char(local::date, 'YYYY-MM-DD') as day, to_char(min(local), 'HH24:MI') as first,
             to_char(min(to_timestamp(date / 1000.0) at time zone 'UTC'), 'HH24:MI') as first_utc
      from (select f.date, to_timestamp(f.date / 1000.0) at time zone 'Europe/Madrid' as local
            from variable_log_float f join variable v on v.id = f.id_var
            where v.name = 'MACHINE_IN_OPERATION' and f.value <> 'NaN'::real) s
      group by local::date order by 1`.execute(a.db);
    const weekdays = rows.filter((r) => !['2024-03-30', '2024-03-31'].includes(r.day));
    expect(weekdays.map((r) => r.day)).toEqual(['2024-03-28', '2024-03-29', '2024-04-01', '2024-04-02']);
    for (const r of weekdays)
      expect(r.first >= '05:48' && r.first <= '06:12', `${r.day} ${r.first}`).toBe(true);
    // Same wall clock, an hour earlier in UTC once summer time started.
    const utcHour = (day: string) => Number(weekdays.find((r) => r.day === day)?.first_utc.slice(0, 2));
    expect([4, 5]).toContain(utcHour('2024-03-29'));
    expect([3, 4]).toContain(utcHour('2024-04-01'));
    expect(rows.some((r) => r.day === '2024-03-31')).toBe(false);
  });

  it('refuses to write over a period it already holds', async () => {
    await expect(simulatePlant({ ...options, url: a.url })).rejects.toThrow(SimulationConflictError);
  });
});

describe('simulatePlant on PGlite', () => {
  it('writes the same rows as on PostgreSQL (set-based inserts)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-raw-sim-'));
    const small = { ...options, days: 3, volume: 0.02 };
    const pg = await createTestDatabase('raw');
    try {
      const summary = await simulatePlant({ ...small, url: `pglite:${dir}` });
      expect(summary.method).toBe('insert');
      await simulatePlant({ ...small, url: pg.url });
      const pglite = createDb<RawDatabase>(`pglite:${dir}`);
      try {
        expect(await digest(pglite)).toBe(await digest(pg.db));
      } finally {
        await pglite.destroy();
      }
    } finally {
      await pg.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pnpm raw simulate', () => {
  // The CLI under node with tsx's loader, as `pnpm raw` runs it, without pnpm's and tsx's own
  // launcher processes around it: they are not this test's subject.
  const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
  const cli = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', main, 'simulate', ...args]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += String(d);
      });
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });

  it('exits 2 with a clear message on bad arguments', async () => {
    const [bad, missing, zone] = await Promise.all([
      cli('--db', 'postgres://x@127.0.0.1/none', '--start', '2024-03-01', '--days', 'thirty'),
      cli('--days', '3'),
      cli(
        '--db',
        'postgres://x@127.0.0.1/none',
        '--start',
        '2024-03-01',
        '--days',
        '3',
        '--timezone',
        'Europe/Nowhere',
      ),
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--days must be an integer, got "thirty"/);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/missing --db, --start/);
    expect(zone.status).toBe(2);
    expect(zone.stderr).toMatch(/not an IANA zone/);
  });

  it('simulates into a database, printing a line per day and the garbage', async () => {
    const target = await createTestDatabase('raw');
    try {
      const ok = await cli(
        '--db',
        target.url,
        '--start',
        '2024-03-04',
        '--days',
        '2',
        '--timezone',
        'Europe/Madrid',
        '--seed',
        '3',
        '--volume',
        '0.01',
      );
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^2024-03-04 .* rows .* rows\/s$/m);
      expect(ok.stdout).toMatch(/^2024-03-05 /m);
      expect(ok.stdout).toMatch(/^garbage: \d+ NULL, \d+ ±Infinity, \d+ invalid JSON/m);
    } finally {
      await target.drop();
    }
  });
});
