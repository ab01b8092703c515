import {
  type AlertCount,
  type AlertDetail,
  type EnergyHour,
  getJson,
  type ProgramDay,
  query,
  type RunGrid,
  type StateChange,
  type TemperatureHour,
  type UtilDay,
} from '../api.ts';
import { shareBar, stateTimeline, timeChart } from '../charts.ts';
import { dateField, machinePicker } from '../context.ts';
import { dataTable, fixed, h, note, panel } from '../dom.ts';
import { stateSpans, stateTotals } from '../state.ts';
import { addDays, formatDuration, localDay, localMidnight, localTime, parseAware } from '../time.ts';
import type { View } from './view.ts';

type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error }),
  );

/** One machine, one day: state timeline, temperature band, energy, programs, alerts. */
export const machineDayView: View = {
  title: 'Machine day',
  live: (ctx, params) => {
    const machine = ctx.machine(params.get('machine'));
    const day = params.get('day');
    return day === null || day === localDay(Date.now(), machine.timezone);
  },
  async render(ctx, params, go) {
    const machine = ctx.machine(params.get('machine'));
    const zone = machine.timezone;
    const status = await ctx.dataStatus(machine.id);
    const day = params.get('day') ?? status.last_date;
    const root = h('div', { class: 'view-day', 'data-machine': machine.id, 'data-day': day ?? '' });
    const controls = h(
      'form',
      { class: 'controls', onsubmit: (e) => e.preventDefault() },
      machinePicker(ctx, machine.id, (id) => go({ machine: id })),
    );
    root.append(h('h1', {}, `${machine.name}: machine day`), controls);
    if (!day || !status.first_date || !status.last_date) {
      root.append(note('No data aggregated for this machine yet: nothing to show.', 'empty'));
      return root;
    }
    const bounds = { min: status.first_date, max: status.last_date };
    controls.append(
      dateField('day', 'Day', day, bounds, (d) => go({ machine: machine.id, day: d })),
      h(
        'button',
        {
          type: 'button',
          disabled: day <= bounds.min,
          onclick: () => go({ machine: machine.id, day: addDays(day, -1) }),
        },
        '◀ Previous day',
      ),
      h(
        'button',
        {
          type: 'button',
          disabled: day >= bounds.max,
          onclick: () => go({ machine: machine.id, day: addDays(day, 1) }),
        },
        'Next day ▶',
      ),
    );
    if (day < bounds.min || day > bounds.max) {
      root.append(
        note(`No data for ${day}: this machine has data from ${bounds.min} to ${bounds.max}.`, 'empty'),
      );
      return root;
    }

    const range = query({ machine: machine.id, from: day, to: day });
    const dayStart = localMidnight(day, zone);
    const dayEnd = localMidnight(addDays(day, 1), zone);
    const [util, temperature, energy, programs, counts, critical, changes, runs] = await Promise.all([
      settle(getJson<UtilDay[]>(`/api/v2/machine_util?${range}`)),
      settle(getJson<TemperatureHour[]>(`/api/v2/temperature?${range}`)),
      settle(getJson<EnergyHour[]>(`/api/v2/energy_consumption?${range}`)),
      settle(getJson<ProgramDay[]>(`/api/v2/machine_program?${range}`)),
      settle(getJson<AlertCount[]>(`/api/v2/alerts_daily_count?${range}`)),
      settle(
        getJson<AlertDetail[]>(`/api/v1/alerts_detail?${query({ machine: machine.id, target_date: day })}`),
      ),
      // Two days before the day too: the state at midnight is the last change before it.
      settle(
        getJson<StateChange[]>(
          `/api/v1/machine_changes?${query({ machine: machine.id, start: `${addDays(day, -2)} 00:00:00`, end: `${addDays(day, 1)} 00:00:00` })}`,
        ),
      ),
      settle(getJson<RunGrid>(`/api/v2/runs?${range}`)),
    ]);

    const horizonText = runs.ok ? runs.value.machines[0]?.freshness.horizon : null;
    const horizon = horizonText ? parseAware(horizonText) : Date.now();
    const u = util.ok ? util.value[0] : undefined;
    const knownHours = u ? u.state_running + u.state_unplanned_down + u.state_planned_down : 0;
    const partial = u ? knownHours < u.day_hours - 0.01 : horizon < dayEnd;
    root.dataset.partial = String(partial);
    if (partial) {
      root.append(
        h(
          'p',
          { class: 'partial-mark', role: 'status' },
          `Partial day: data up to ${horizon < dayEnd && horizon > dayStart ? localTime(horizon, zone) : 'the start of the day'} (${zone}); the numbers grow as the day completes.`,
        ),
      );
    }
    const hour = (ms: number) => localTime(ms, zone);

    // State: the timeline from the raw state changes, the shares from the daily aggregate.
    const statePanel = panel(`State (${zone} time)`);
    if (!changes.ok) statePanel.append(note(`State timeline unavailable: ${changes.error.message}`, 'error'));
    else if (changes.value.length === 0)
      statePanel.append(
        note(
          'No state signal changes logged around this day (the machine may have no state signal).',
          'empty',
        ),
      );
    else {
      const spans = stateSpans(changes.value, dayStart, dayEnd, horizon);
      const totals = stateTotals(spans);
      statePanel.append(
        stateTimeline(spans, dayStart, dayEnd, zone, hour),
        legend(),
        dataTable(
          'state-timeline',
          'Hours per state on the timeline',
          ['State', 'Hours'],
          (['running', 'idle', 'off', 'unknown'] as const).map((s) => [
            s,
            { value: totals[s] / 3600, decimals: 2 },
          ]),
        ),
      );
    }
    if (!util.ok) statePanel.append(note(util.error.message, 'error'));
    else if (u) {
      const pct = (hours: number) => (hours / u.day_hours) * 100;
      statePanel.append(
        shareBar([
          { key: 'running', label: 'Running', percent: pct(u.state_running) },
          { key: 'idle', label: 'Idle (unplanned down)', percent: pct(u.state_unplanned_down) },
          { key: 'off', label: 'Off (planned down)', percent: pct(u.state_planned_down) },
          { key: 'unknown', label: 'Not yet known', percent: pct(Math.max(0, u.day_hours - knownHours)) },
        ]),
        dataTable(
          'utilization',
          `Day of ${fixed(u.day_hours, 0)} hours (aggregate)`,
          ['State', 'Hours', 'Share %'],
          [
            [
              'running',
              { value: u.state_running, decimals: 2 },
              { value: pct(u.state_running), decimals: 1 },
            ],
            [
              'idle (unplanned down)',
              { value: u.state_unplanned_down, decimals: 2 },
              { value: pct(u.state_unplanned_down), decimals: 1 },
            ],
            [
              'off (planned down)',
              { value: u.state_planned_down, decimals: 2 },
              { value: pct(u.state_planned_down), decimals: 1 },
            ],
          ],
          true,
        ),
      );
    } else statePanel.append(note('No daily activity row for this day.', 'empty'));

    // Temperature: hourly min / avg / max with the band between min and max.
    const sensor = machine.temperature_sensors[0] ?? 'temperature';
    const tempPanel = panel(`Temperature, ${sensor} (°C, hourly)`);
    if (!temperature.ok) tempPanel.append(note(temperature.error.message, 'error'));
    else if (temperature.value.length === 0)
      tempPanel.append(note(`No temperature readings on ${day}.`, 'empty'));
    else {
      const rows = temperature.value;
      tempPanel.append(
        timeChart({
          name: 'temperature',
          label: `Hourly temperature of ${day}: min, average and max`,
          zone,
          x: rows.map((r) => parseAware(r.ts) / 1000),
          series: [
            { label: 'max', values: rows.map((r) => r.max_value), color: '--hot', kind: 'line' },
            { label: 'avg', values: rows.map((r) => r.avg_value), color: '--fg', kind: 'line' },
            { label: 'min', values: rows.map((r) => r.min_value), color: '--cold', kind: 'line' },
          ],
          band: [1, 3],
          units: { y: '°C' },
          xRange: [dayStart / 1000, dayEnd / 1000],
          xLabels: hour,
        }),
        dataTable(
          'temperature',
          'Hourly temperature',
          ['Hour', 'Min', 'Avg', 'Max', 'Spread', 'Std dev', 'Readings'],
          rows.map((r) => [
            hour(parseAware(r.ts)),
            { value: r.min_value, decimals: 2 },
            { value: r.avg_value, decimals: 2 },
            { value: r.max_value, decimals: 2 },
            { value: r.max_value - r.min_value, decimals: 2 },
            { value: r.std_dev, decimals: 2 },
            { value: r.readings_count, decimals: 0 },
          ]),
        ),
      );
    }

    // Energy: hourly bars and the day's total.
    const energyPanel = panel('Energy (kWh per hour)');
    if (!energy.ok) energyPanel.append(note(energy.error.message, 'error'));
    else if (energy.value.length === 0) energyPanel.append(note(`No energy data on ${day}.`, 'empty'));
    else {
      const rows = energy.value;
      const total = rows.reduce((s, r) => s + r.energy_kwh, 0);
      energyPanel.append(
        h(
          'p',
          { class: 'total', 'data-total': 'energy', 'data-value': String(total) },
          `Day total: ${fixed(total, 2)} kWh${partial ? ' so far' : ''}`,
        ),
        timeChart({
          name: 'energy',
          label: `Hourly energy of ${day}`,
          zone,
          x: rows.map((r) => parseAware(r.ts) / 1000 + 1800),
          series: [{ label: 'kWh', values: rows.map((r) => r.energy_kwh), color: '--energy', kind: 'bar' }],
          units: { y: 'kWh' },
          xRange: [dayStart / 1000, dayEnd / 1000],
          xLabels: hour,
        }),
        dataTable(
          'energy',
          'Hourly energy',
          ['Hour', 'kWh'],
          rows.map((r) => [hour(parseAware(r.ts)), { value: r.energy_kwh, decimals: 3 }]),
        ),
      );
    }

    // Programs: time per program, longest first.
    const programPanel = panel('Time per program');
    if (!programs.ok) programPanel.append(note(programs.error.message, 'error'));
    else if (programs.value.length === 0) programPanel.append(note(`No program ran on ${day}.`, 'empty'));
    else {
      const longest = Math.max(...programs.value.map((p) => p.duration_seconds));
      programPanel.append(
        h(
          'ul',
          { class: 'hbars', 'data-chart': 'programs' },
          ...programs.value.map((p) =>
            h(
              'li',
              { 'data-program': String(p.program), 'data-value': String(p.duration_seconds) },
              h('span', { class: 'hbar-label' }, String(p.program)),
              h('span', { class: 'hbar', style: `width:${(p.duration_seconds / longest) * 100}%` }),
              h('span', { class: 'hbar-value' }, formatDuration(p.duration_seconds)),
            ),
          ),
        ),
        dataTable(
          'programs',
          'Seconds per program',
          ['Program', 'Seconds'],
          programs.value.map((p) => [String(p.program), { value: p.duration_seconds, decimals: 0 }]),
        ),
      );
    }

    // Alerts: activations per severity, and the critical ones.
    const alertPanel = panel('Alerts');
    if (!counts.ok) alertPanel.append(note(counts.error.message, 'error'));
    else {
      const byType = Object.fromEntries(counts.value.map((c) => [c.alert_type, c.amount]));
      alertPanel.append(
        h(
          'p',
          { class: 'alerts' },
          ...(['emergency', 'error', 'warning', 'other'] as const).map((t) =>
            h(
              'span',
              { class: `badge sev-${t}`, 'data-type': t, 'data-value': byType[t] ?? 0 },
              `${byType[t] ?? 0} ${t}`,
            ),
          ),
        ),
      );
    }
    if (!critical.ok) alertPanel.append(note(critical.error.message, 'error'));
    else if (critical.value.length === 0)
      alertPanel.append(note('No emergency or error alert this day.', 'empty'));
    else {
      alertPanel.append(
        h(
          'table',
          { class: 'data critical', 'data-table': 'critical-alerts' },
          h('caption', {}, 'Emergency and error alerts'),
          h(
            'thead',
            {},
            h('tr', {}, ...['Time', 'Type', 'Code', 'Description'].map((t) => h('th', { scope: 'col' }, t))),
          ),
          h(
            'tbody',
            {},
            ...critical.value.map((a) =>
              h(
                'tr',
                { 'data-id': String(a.id) },
                h('td', {}, a.dt.slice(11, 19)),
                h('td', {}, a.alert_type),
                h('td', {}, a.alarm_code ?? '–'),
                h('td', {}, a.alarm_description ?? '–'),
              ),
            ),
          ),
        ),
      );
    }

    root.append(h('div', { class: 'panels' }, statePanel, tempPanel, energyPanel, programPanel, alertPanel));
    return root;
  },
};

function legend(): HTMLElement {
  return h(
    'p',
    { class: 'legend' },
    ...(
      [
        ['running', 'Running'],
        ['idle', 'Idle (powered, not running)'],
        ['off', 'Off'],
        ['unknown', 'Not yet known'],
      ] as const
    ).map(([k, label]) => h('span', {}, h('i', { class: `swatch state-${k}` }), label)),
  );
}
