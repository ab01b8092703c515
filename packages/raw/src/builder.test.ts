import type { RawDatabase } from '@mm/db';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseInstant, RawBuilderError, rawBuilder } from './builder.ts';

// The builder touches its database only in write(); a Kysely without a database proves it.
const offline = new Kysely<RawDatabase>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

describe('parseInstant', () => {
  it('reads wall-clock times in the given zone, DST offsets included', () => {
    // Last second before Madrid springs forward (CET, +01:00) and the first after (CEST, +02:00).
    expect(parseInstant('2024-03-31 01:59:59.500', 'Europe/Madrid')).toBe(
      Date.UTC(2024, 2, 31, 0, 59, 59, 500),
    );
    expect(parseInstant('2024-03-31 03:00', 'Europe/Madrid')).toBe(Date.UTC(2024, 2, 31, 1, 0, 0));
    expect(parseInstant('2024-03-31T03:00:00.5', 'Europe/Madrid')).toBe(Date.UTC(2024, 2, 31, 1, 0, 0, 500));
    expect(parseInstant('2024-03-31', 'UTC')).toBe(Date.UTC(2024, 2, 31));
  });

  it('takes strings with an offset, epoch ms, Dates and DateTimes as instants', () => {
    const ms = Date.UTC(2024, 9, 27, 1, 30);
    expect(parseInstant('2024-10-27T01:30:00Z', 'Europe/Madrid')).toBe(ms);
    expect(parseInstant('2024-10-27 02:30 +01:00', 'Europe/Madrid')).toBe(ms);
    expect(parseInstant('2024-10-27 03:30+0200', 'UTC')).toBe(ms);
    expect(parseInstant(ms, 'UTC')).toBe(ms);
    expect(parseInstant(new Date(ms), 'UTC')).toBe(ms);
    expect(parseInstant(DateTime.fromMillis(ms), 'UTC')).toBe(ms);
  });

  it('refuses a wall-clock time that does not exist or happens twice, naming the fix', () => {
    expect(() => parseInstant('2024-03-31 02:30', 'Europe/Madrid')).toThrow(/does not exist/);
    expect(() => parseInstant('2024-10-27 02:30', 'Europe/Madrid')).toThrow(
      /happens twice.*'2024-10-27 02:30 \+02:00' or '2024-10-27 02:30 \+01:00'/,
    );
  });

  it('refuses what is not a time', () => {
    expect(() => parseInstant('yesterday', 'UTC')).toThrow(RawBuilderError);
    expect(() => parseInstant('2024-02-30 10:00', 'UTC')).toThrow(RawBuilderError);
    expect(() => parseInstant(1.5, 'UTC')).toThrow(/whole number/);
  });
});

describe('rawBuilder (before writing)', () => {
  it('assigns ids in order and routes datatypes to their log', () => {
    const raw = rawBuilder(offline);
    const state = raw.variable('MACHINE_IN_OPERATION', 'java.lang.Integer');
    const alarms = raw.variable('ALARMS', 'java.lang.String');
    const condition = raw.variable('system', 'mtconnect.Condition', { id: 40 });
    const after = raw.variable('Xact', 'java.lang.Double');
    expect([state.id, alarms.id, condition.id, after.id]).toEqual([1, 2, 40, 41]);
    expect(state.table).toBe('variable_log_float');
    expect(alarms.table).toBe('variable_log_string');
    expect(condition.table).toBe('variable_log_string');
    expect(raw.variable('MACHINE_IN_OPERATION', 'java.lang.Integer')).toBe(state);
    expect(() => raw.variable('MACHINE_IN_OPERATION', 'java.lang.String')).toThrow(/already declared/);
    expect(() => raw.variable('other', 'java.lang.Double', { id: 40 })).toThrow(/taken by system/);
  });

  it('declares the logger profile once', () => {
    const raw = rawBuilder(offline, { firstId: 100 });
    const m = raw.logger();
    expect(m.state.name).toBe('MACHINE_IN_OPERATION');
    expect(m.state.id).toBe(100);
    expect(m.alarms.table).toBe('variable_log_string');
    expect(raw.logger().spindle).toBe(m.spindle);
  });

  it('counts readings and refuses duplicates of (variable, instant)', () => {
    const raw = rawBuilder(offline, { timezone: 'Europe/Madrid' });
    const state = raw.variable('MACHINE_IN_OPERATION', 'java.lang.Integer');
    state.at('2024-03-04 06:00', 255).at('2024-03-04 05:30Z', Number.NaN);
    state.series('2024-03-04 07:00', 1000, [0, 255, null]);
    expect(raw.pendingRows).toBe(5);
    expect(() => state.at('2024-03-04 07:00:01', 'Europe/Madrid', 1)).toThrow(/already has a reading/);
  });

  it('keeps float values float4-exact unless told otherwise', () => {
    const raw = rawBuilder(offline);
    const t = raw.variable('TEMPERATURA_BASE', 'java.lang.Integer');
    expect(() => t.at(0, 21.3)).toThrow(/not exact in float4/);
    t.at(1, 21.25).at(2, Number.POSITIVE_INFINITY).at(3, Number.NaN).at(4, 16_777_216);
    const lax = rawBuilder(offline, { allowFloat4Rounding: true });
    lax.variable('x', 'java.lang.Double').at(0, 21.3);
    expect(lax.pendingRows).toBe(1);
  });

  it('refuses values of the wrong kind for the log', () => {
    const raw = rawBuilder(offline);
    const float = raw.variable('f', 'java.lang.Double');
    const text = raw.variable('s', 'java.lang.String');
    expect(() => float.at(0, 'UNAVAILABLE' as unknown as number)).toThrow(/logs floats/);
    expect(() => text.at(0, 5 as unknown as string)).toThrow(/logs text/);
  });

  it('refuses an unknown time zone', () => {
    expect(() => rawBuilder(offline, { timezone: 'Mars/Olympus' })).toThrow(/unknown time zone/);
  });
});
