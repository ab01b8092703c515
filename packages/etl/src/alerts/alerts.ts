import type { AlarmFormat } from '../alarm-values.ts';
import { defineEtl, type ExtractResultOf } from '../etl.ts';
import type { AlarmTracker } from './activation.ts';
import { type AlarmRow, conditionRows, jsonSnapshotRows } from './alarm-rows.ts';
import { buildAlertSlice, type TimedActivation } from './alert-slice.ts';
import { JsonSnapshotTracker } from './json-snapshot.ts';
import { ConditionTracker } from './mtconnect-condition.ts';

/**
 * Daily alert counts and the detail of emergency/error alerts (DOMAIN §5.4). Alarm rows are few
 * (the logger writes only changes), so SQL reads the day's rows of every alarm variable plus the
 * history needed for the state at the day's start, and small pure TypeScript turns them into
 * activations: json snapshots are diffed against the previous valid one, MTConnect conditions are
 * replayed from the last clear-all row. An activation belongs to the day of its instant.
 *
 * `rowsRead` counts the day's alarm rows and `invalidSkipped` the invalid ones among them (rows
 * read only to rebuild the day's starting state are not counted: they belong to earlier days).
 */
export const alerts = defineEtl({
  id: 'alerts',
  tables: ['alerts_daily_count', 'alerts_detail'],
  async extract({ raw, window, roles, machine }) {
    const warnings: string[] = [];
    if (!roles.alarms) {
      // A missing variable is already in roles.warnings; a profile without an alarm role is not.
      if (!machine.profile.alarms) warnings.push('alerts: the profile has no alarm role');
      return empty(warnings);
    }
    const { format } = roles.alarms;
    const variables = roles.alarms.variables.filter((v) => {
      if (v.table === 'variable_log_string') return true;
      warnings.push(`alerts: variable '${v.name}' logs numbers, not alarm text; ignored`);
      return false;
    });
    if (variables.length === 0) return empty(warnings);

    const ids = variables.map((v) => v.id);
    const rows =
      format === 'json-snapshot'
        ? await jsonSnapshotRows(raw, ids, window)
        : await conditionRows(raw, ids, window);

    const names = new Map(variables.map((v) => [v.id, v.name]));
    const trackers = new Map<number, AlarmTracker>();
    const activations: TimedActivation[] = [];
    let rowsRead = 0;
    let invalidSkipped = 0;
    for (const row of rows) {
      const step = tracker(trackers, row, format).apply(row.value);
      if (!row.inWindow) continue;
      rowsRead++;
      if (!step.valid) {
        invalidSkipped++;
        continue;
      }
      step.activations.forEach((activation, order) => {
        activations.push({
          ...activation,
          at: row.date,
          variableId: row.idVar,
          variableName: names.get(row.idVar)!,
          order,
        });
      });
    }
    return { rows: buildAlertSlice(activations), rowsRead, invalidSkipped, warnings };
  },
});

function tracker(trackers: Map<number, AlarmTracker>, row: AlarmRow, format: AlarmFormat): AlarmTracker {
  let found = trackers.get(row.idVar);
  if (!found) {
    found = format === 'json-snapshot' ? new JsonSnapshotTracker() : new ConditionTracker();
    trackers.set(row.idVar, found);
  }
  return found;
}

function empty(warnings: string[]): ExtractResultOf<'alerts_daily_count' | 'alerts_detail'> {
  return { rows: { alerts_daily_count: [], alerts_detail: [] }, rowsRead: 0, invalidSkipped: 0, warnings };
}
