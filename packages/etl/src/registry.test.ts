import { describe, expect, it } from 'vitest';
import type { EtlId } from './etl.ts';
import { etlIds, etlTables, getEtl, isEtlId, registry } from './registry.ts';
import { type SliceRow, sliceTables } from './slice-tables.ts';

describe('the ETL registry, single source of the ids and tables', () => {
  it('derives the ids, in registry order, from the registered ETLs, each under its own id', () => {
    expect(etlIds).toEqual(['sensor-stats', 'machine-activity', 'programs', 'alerts', 'energy']);
    for (const id of etlIds) expect(registry[id].id).toBe(id);
    expect(isEtlId('energy')).toBe(true);
    expect(isEtlId('toString')).toBe(false); // own keys only, not the prototype's
    expect(() => getEtl('downtime')).toThrow(/unknown ETL 'downtime' \(known: sensor-stats, .*energy\)/);
  });

  it('owns every slice table exactly once', () => {
    expect([...etlTables].sort()).toEqual(Object.keys(sliceTables).sort());
    expect(new Set(etlTables).size).toBe(etlTables.length);
  });

  it('types ids and rows at compile time (pnpm typecheck fails if these stop being errors)', () => {
    // @ts-expect-error an id nobody registered is not an EtlId
    const unregistered: EtlId = 'downtime';
    // @ts-expect-error a row lacking a column of its table
    const partial: SliceRow<'energy_consumption_hourly'> = { hour_ts: 0 };
    const wrongType: SliceRow<'alerts_daily_count'> = {
      // @ts-expect-error alert_type is one of the four classes
      alert_type: 'fatal',
      amount: 1,
    };
    const complete: SliceRow<'energy_consumption_hourly'> = { hour_ts: 0, energy_kwh: 1.5 };
    expect([unregistered, partial, wrongType, complete]).toHaveLength(4);
  });
});
