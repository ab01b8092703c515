import { describe, expect, it } from 'vitest';
import { dataSpan, readDataSpans, recordDataSpans } from './data-span.ts';
import { computeHorizon } from './horizon.ts';
import { resolveRoles } from './roles.ts';
import { SignalCatalog } from './signal-catalog.ts';
import { T, testDatabases, testMachine } from './test-fixtures.ts';

const machine = testMachine('logger');

const [raw] = testDatabases('raw');

async function span() {
  const catalog = await SignalCatalog.load(raw.db);
  const roles = resolveRoles(machine, catalog);
  return {
    span: await dataSpan(raw.db, roles, catalog),
    horizon: await computeHorizon(raw.db, roles, catalog),
  };
}

describe('dataSpan', () => {
  it('is null without variables or readings', async () => {
    expect((await span()).span).toBeNull();
    await raw.db
      .insertInto('variable')
      .values([
        { id: 1, name: 'TEMPERATURA_BASE', datatype: 'java.lang.Double' },
        { id: 2, name: 'MACHINE_IN_OPERATION', datatype: 'java.lang.Integer' },
        { id: 4, name: 'ALARMS', datatype: 'java.lang.String' },
        { id: 9, name: 'UNMAPPED', datatype: 'java.lang.Double' },
      ])
      .execute();
    expect((await span()).span).toBeNull();
  });

  it('spans the first to the last valid or off reading of the mapped variables', async () => {
    await raw.db
      .insertInto('variable_log_float')
      .values([
        { id_var: 9, date: T('2023-12-01T00:00:00Z'), value: 1 }, // not mapped by the profile
        { id_var: 1, date: T('2024-01-05T12:00:00Z'), value: Number.POSITIVE_INFINITY }, // invalid
        { id_var: 1, date: T('2024-01-10T08:00:00Z'), value: 2150 },
        { id_var: 2, date: T('2024-01-09T23:30:00Z'), value: 255 },
        { id_var: 2, date: T('2024-01-12T10:00:00Z'), value: Number.NaN }, // off still counts
        { id_var: 1, date: T('2024-01-13T10:00:00Z'), value: Number.NEGATIVE_INFINITY }, // invalid
      ])
      .execute();
    await raw.db
      .insertInto('variable_log_string')
      .values([
        { id_var: 4, date: T('2024-01-04T00:00:00Z'), value: 'not json' }, // invalid alarm row
        { id_var: 4, date: T('2024-01-11T09:00:00Z'), value: '[]' },
      ])
      .execute();
    const { span: s, horizon } = await span();
    expect(s).toEqual({ first: T('2024-01-09T23:30:00Z'), last: T('2024-01-12T10:00:00Z') });
    expect(s?.last).toBe(horizon);
  });

  it('a valid alarm row can be the first reading, after many invalid ones', async () => {
    const junk = Array.from({ length: 120 }, (_, i) => ({
      id_var: 4,
      date: T('2024-01-06T00:00:00Z') + i * 1000,
      value: '{oops',
    }));
    await raw.db
      .insertInto('variable_log_string')
      .values([...junk, { id_var: 4, date: T('2024-01-08T00:00:00Z'), value: '[["E1","Fallo",1,1,1]]' }])
      .execute();
    expect((await span()).span?.first).toBe(T('2024-01-08T00:00:00Z'));
  });
});

describe('recorded data spans', () => {
  const [agg] = testDatabases('agg');
  const checkedAt = new Date('2024-01-12T11:00:00Z');

  it('records spans in one upsert and reads them back, a machine without data as a null span', async () => {
    await recordDataSpans(agg.db, [
      {
        machineId: 'press-07',
        span: { first: T('2024-01-09T23:30:00Z'), last: T('2024-01-12T10:00:00Z') },
        checkedAt,
      },
      { machineId: 'empty', span: null, checkedAt },
    ]);
    const spans = await readDataSpans(agg.db);
    expect(spans.get('press-07')).toEqual({
      machineId: 'press-07',
      span: { first: T('2024-01-09T23:30:00Z'), last: T('2024-01-12T10:00:00Z') },
      checkedAt,
    });
    expect(spans.get('empty')?.span).toBeNull();
    expect([...(await readDataSpans(agg.db, ['empty', 'never-checked'])).keys()]).toEqual(['empty']);
  });

  it('a later check replaces the earlier one', async () => {
    const later = new Date('2024-01-13T11:00:00Z');
    await recordDataSpans(agg.db, [
      {
        machineId: 'press-07',
        span: { first: T('2024-01-09T23:30:00Z'), last: T('2024-01-13T10:00:00Z') },
        checkedAt: later,
      },
    ]);
    expect((await readDataSpans(agg.db, ['press-07'])).get('press-07')).toEqual({
      machineId: 'press-07',
      span: { first: T('2024-01-09T23:30:00Z'), last: T('2024-01-13T10:00:00Z') },
      checkedAt: later,
    });
  });
});
