import type { RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';

const T = (iso: string) => Date.parse(iso);

/**
 * A tiny `logger`-profile machine in Europe/Madrid with data on the local days 2024-01-10 to
 * 2024-01-12 (and an invalid reading on 2024-01-05, which must not widen the data span): enough for
 * every ETL to write something, small enough for a CLI test.
 */
export async function seedSmallPlant(raw: Kysely<RawDatabase>): Promise<void> {
  await raw
    .insertInto('variable')
    .values([
      { id: 1, name: 'TEMPERATURA_BASE', datatype: 'java.lang.Double' },
      { id: 2, name: 'MACHINE_IN_OPERATION', datatype: 'java.lang.Integer' },
      { id: 3, name: 'PROG_STATUS', datatype: 'java.lang.Integer' },
      { id: 4, name: 'ALARMS', datatype: 'java.lang.String' },
      { id: 5, name: 'AXIS_X_MOTOR_UTILIZACION', datatype: 'java.lang.Double' },
      { id: 6, name: 'SPINDLE_LOAD_1', datatype: 'java.lang.Double' },
    ])
    .execute();
  const float: Array<{ id_var: number; date: number; value: number | null }> = [
    { id_var: 1, date: T('2024-01-05T12:00:00Z'), value: Number.POSITIVE_INFINITY },
    { id_var: 2, date: T('2024-01-09T23:30:00Z'), value: 255 }, // 00:30 local on the 10th
    { id_var: 2, date: T('2024-01-10T12:00:00Z'), value: 0 },
    { id_var: 2, date: T('2024-01-11T08:00:00Z'), value: 255 },
    { id_var: 2, date: T('2024-01-12T10:00:00Z'), value: Number.NaN }, // the horizon
    { id_var: 3, date: T('2024-01-10T01:00:00Z'), value: 12 },
    { id_var: 3, date: T('2024-01-11T08:00:00Z'), value: 7 },
    { id_var: 5, date: T('2024-01-10T08:00:00Z'), value: 50 },
    { id_var: 5, date: T('2024-01-10T09:00:00Z'), value: 0 },
    { id_var: 6, date: T('2024-01-11T08:00:00Z'), value: 80 },
    { id_var: 6, date: T('2024-01-11T09:30:00Z'), value: Number.NaN },
  ];
  for (let minute = 0; minute < 48 * 60; minute += 15) {
    float.push({ id_var: 1, date: T('2024-01-10T00:00:00Z') + minute * 60_000, value: 2000 + (minute % 90) });
  }
  await raw.insertInto('variable_log_float').values(float).execute();
  await raw
    .insertInto('variable_log_string')
    .values([
      { id_var: 4, date: T('2024-01-04T00:00:00Z'), value: 'garbage' },
      { id_var: 4, date: T('2024-01-10T09:00:00Z'), value: '[["PLC00010","Puerta  abierta!",3,3,50331658]]' },
      { id_var: 4, date: T('2024-01-10T10:00:00Z'), value: '[]' },
      { id_var: 4, date: T('2024-01-11T10:00:00Z'), value: '[["E-7","Fallo de motor",1,2,3]]' },
    ])
    .execute();
}
