import type { Machine } from '@mm/config';
import { rawBuilder } from '@mm/raw';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { dataSpan } from './data-span.ts';
import { computeHorizon } from './horizon.ts';
import { resolveRoles } from './roles.ts';
import { SignalCatalog } from './signal-catalog.ts';
import { testDatabases, testMachine } from './test-fixtures.ts';

const machine = (profile: 'logger' | 'mtconnect'): Machine =>
  testMachine(profile, { id: 'm1', name: 'M1', timezone: 'UTC' });

const [raw] = testDatabases('raw');
beforeEach(async () => {
  await sql`truncate variable, variable_log_float, variable_log_string`.execute(raw.db);
});

async function horizonOf(m: Machine): Promise<string | null> {
  const catalog = await SignalCatalog.load(raw.db);
  const horizon = await computeHorizon(raw.db, resolveRoles(m, catalog), catalog);
  return horizon === null ? null : new Date(horizon).toISOString();
}

describe('computeHorizon', () => {
  it('is null for a machine without data', async () => {
    expect(await horizonOf(machine('logger'))).toBeNull();
  });

  it('is the latest valid or off reading; invalid readings after it do not count', async () => {
    const b = rawBuilder(raw.db);
    const { state, program, temperature } = b.logger();
    state.at('2024-01-01T08:00:00Z', 255).at('2024-01-01T09:00:00Z', Number.NaN); // off counts
    state.at('2024-01-01T10:00:00Z', Number.POSITIVE_INFINITY); // invalid: does not count
    program.at('2024-01-01T09:30:00Z', 5000); // out of range for PROG_STATUS: invalid
    temperature.at('2024-01-01T08:30:00Z', 0); // "missing" is off, it still counts as known time
    await b.write();
    expect(await horizonOf(machine('logger'))).toBe('2024-01-01T09:00:00.000Z');
  });

  it('walks back past a long tail of invalid alarm snapshots to the last valid one', async () => {
    const b = rawBuilder(raw.db);
    const { alarms } = b.logger();
    alarms.at('2024-01-01T08:00:00Z', [['PLC00010', 'Puerta  abierta!', 3, 3, 50331658]]);
    // 20 invalid rows: more than the first page of newest rows read per alarm variable.
    for (let i = 1; i <= 20; i++) alarms.at(Date.parse('2024-01-01T08:00:00Z') + i * 1000, `[["PLC${i}"`);
    await b.write();
    expect(await horizonOf(machine('logger'))).toBe('2024-01-01T08:00:00.000Z');
  });

  it('reads every MTConnect condition variable, validating conditions', async () => {
    const b = rawBuilder(raw.db);
    const logic = b.variable('logic_cond', 'mtconnect.Condition');
    const servo = b.variable('servo_cond', 'mtconnect.Condition');
    logic.at('2024-01-01T08:00:00Z', 'Normal||||').at('2024-01-01T12:00:00Z', 'garbage');
    servo.at('2024-01-01T09:00:00Z', 'Fault|270|90||SERVO');
    b.variable('execution', 'java.lang.String').at('2024-01-01T08:30:00Z', 'ACTIVE');
    await b.write();
    expect(await horizonOf(machine('mtconnect'))).toBe('2024-01-01T09:00:00.000Z');
  });

  it('gives the data span: the oldest known reading skips a long head of invalid alarm rows too', async () => {
    const b = rawBuilder(raw.db);
    const { alarms } = b.logger();
    const t0 = Date.parse('2024-01-01T07:00:00Z');
    for (let i = 0; i < 20; i++) alarms.at(t0 + i * 1000, '{not json');
    alarms.at('2024-01-01T08:00:00Z', []).at('2024-01-01T09:00:00Z', [['E1', 'Fallo', 1, 1, 1]]);
    await b.write();
    const catalog = await SignalCatalog.load(raw.db);
    const span = await dataSpan(raw.db, resolveRoles(machine('logger'), catalog), catalog);
    expect(span && [new Date(span.first).toISOString(), new Date(span.last).toISOString()]).toEqual([
      '2024-01-01T08:00:00.000Z',
      '2024-01-01T09:00:00.000Z',
    ]);
  });
});
