import { describe, expect, it } from 'vitest';
import { AlertIdOverflowError, buildAlertSlice, type TimedActivation } from './alert-slice.ts';

const activation = (over: Partial<TimedActivation>): TimedActivation => ({
  identity: 'X',
  code: 'X',
  description: 'Fallo',
  level: null,
  raw: ['X', 'Fallo'],
  at: 1_700_000_000_000,
  variableId: 1,
  variableName: 'ALARMS',
  order: 0,
  ...over,
});

describe('buildAlertSlice', () => {
  it('counts every type with an activation and details emergency/error only', () => {
    const slice = buildAlertSlice([
      activation({ description: 'Fallo servo' }),
      activation({ description: 'Parada de EMERGENCIA', at: 1_700_000_000_001 }),
      activation({ description: 'Aviso', at: 1_700_000_000_002 }),
      activation({ description: 'CERRAR PUERTA', at: 1_700_000_000_003 }),
      activation({ description: 'Error', at: 1_700_000_000_004 }),
    ]);
    expect(slice.alerts_daily_count).toEqual([
      { alert_type: 'emergency', amount: 1 },
      { alert_type: 'error', amount: 2 },
      { alert_type: 'warning', amount: 1 },
      { alert_type: 'other', amount: 1 },
    ]);
    expect(slice.alerts_detail.map((r) => [r.id, r.alert_type])).toEqual([
      [1_700_000_000_000_000, 'error'],
      [1_700_000_000_001_000, 'emergency'],
      [1_700_000_000_004_000, 'error'],
    ]);
  });

  it('ids: ms x 1000 + ordinal among all activations of that ms, by variable id then position', () => {
    const at = 1_700_000_000_000;
    const slice = buildAlertSlice([
      activation({ at, variableId: 2, order: 0, code: 'v2-0', variableName: 'B' }),
      activation({ at, variableId: 1, order: 1, code: 'v1-1' }),
      activation({ at, variableId: 1, order: 0, code: 'v1-0', description: 'Aviso' }), // a warning: no row
      activation({ at: at + 1, variableId: 1, order: 0, code: 'next-ms' }),
    ]);
    expect(slice.alerts_detail).toEqual([
      {
        id: at * 1000 + 1,
        alert_ts: at,
        alert_type: 'error',
        alarm_code: 'v1-1',
        alarm_description: 'Fallo',
        source_variable: 'ALARMS',
        raw: ['X', 'Fallo'],
      },
      expect.objectContaining({ id: at * 1000 + 2, alarm_code: 'v2-0', source_variable: 'B' }),
      expect.objectContaining({ id: (at + 1) * 1000, alarm_code: 'next-ms' }),
    ]);
  });

  it('no activation, no rows', () => {
    expect(buildAlertSlice([])).toEqual({ alerts_daily_count: [], alerts_detail: [] });
  });

  it('refuses to build colliding ids', () => {
    const many = Array.from({ length: 1001 }, (_, order) => activation({ order }));
    expect(() => buildAlertSlice(many)).toThrow(AlertIdOverflowError);
  });
});
