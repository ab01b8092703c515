import type {
  AlertDetail,
  AlertsDailyCount,
  EnergyHourRanged,
  Machine,
  MachineProgramDay,
  MachineStateChanges,
  MachineUtilDayRanged,
  RunGrid,
  TemperatureHourRanged,
} from '@mm/api-contract';
import { alertsByType, alertTypes } from '../alerts.ts';
import { getJson, query } from '../api.ts';
import { shareBar, stateTimeline, timeChart } from '../charts.ts';
import { dateField, energySourceText, machinePicker } from '../context.ts';
import { type DayStatus, dayStatus, knownUntil, machineEdge, statusMarkText } from '../day-status.ts';
import { dataTable, fixed, h, note, panel } from '../dom.ts';
import { offDay, shareLabels, shareText } from '../shares.ts';
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
    const today = localDay(Date.now(), zone);
    const aggregated = await ctx.dataStatus(machine.id);
    const day = params.get('day') ?? aggregated.last_date;
    const root = h('div', { class: 'view-day', 'data-machine': machine.id, 'data-day': day ?? '' });
    const controls = h(
      'form',
      { class: 'controls', onsubmit: (e) => e.preventDefault() },
      machinePicker(ctx, machine.id, (id) => go({ machine: id })),
    );
    root.append(h('h1', {}, `${machine.name}: machine day`), controls);
    if (!day || !aggregated.first_date || !aggregated.last_date) {
      root.append(note('No data aggregated for this machine yet: nothing to show.', 'empty'));
      return root;
    }
    const first = aggregated.first_date;
    const last = aggregated.last_date;
    // Up to today: the days after the last aggregated one may be days off after a stop.
    const bounds = { min: first, max: [today, last].sort()[1] as string };
    controls.append(...dayControls(day, bounds, (d) => go({ machine: machine.id, day: d })));
    const noData = () => note(`No data for ${day}: this machine has data from ${first} to ${last}.`, 'empty');
    if (day < bounds.min || day > bounds.max) {
      root.append(noData());
      return root;
    }

    const dayStart = localMidnight(day, zone);
    const dayEnd = localMidnight(addDays(day, 1), zone);
    const data = await loadDay(machine.id, day);
    const now = Date.now();
    const gridRow = data.runs.ok ? data.runs.value.machines[0] : undefined;
    const edge = machineEdge(gridRow, data.changes.ok ? data.changes.value : null, dayEnd);
    const status = dayStatus({
      dayStart,
      dayEnd,
      ledgerComplete: gridRow?.days[0]?.status === 'complete',
      edge,
    });
    // Past the aggregated days, only a stopped machine's days off have something to show.
    if (day > last && status !== 'after-stop') {
      root.append(noData());
      return root;
    }
    const horizon = edge.horizon ?? now;
    const shown: ShownDay = {
      day,
      today,
      zone,
      dayStart,
      dayEnd,
      status,
      horizon,
      knownUntil: knownUntil(status, { dayStart, dayEnd, horizon, now }),
    };
    root.dataset.partial = String(status === 'partial');
    root.dataset.dayStatus = status;
    const mark = statusMark(shown);
    if (mark) root.append(mark);
    root.append(
      h(
        'div',
        { class: 'panels' },
        statePanel(shown, data.changes, data.util),
        temperaturePanel(shown, machine, data.temperature),
        energyPanel(shown, machine, data.energy),
        programPanel(day, data.programs),
        alertPanel(data.counts, data.critical),
      ),
    );
    return root;
  },
};

/** The day on screen, as every panel reads it. */
interface ShownDay {
  day: string;
  today: string;
  zone: string;
  /** Epoch ms of the day's local midnights. */
  dayStart: number;
  dayEnd: number;
  status: DayStatus;
  /** The machine's latest known instant (now when none is known). */
  horizon: number;
  /** Until when the day's states are known (see {@link knownUntil}). */
  knownUntil: number;
}

/** The day field and the previous / next day buttons, each disabled at its bound. */
function dayControls(
  day: string,
  bounds: { min: string; max: string },
  goDay: (day: string) => void,
): HTMLElement[] {
  return [
    dateField('day', 'Day', day, bounds, goDay),
    h(
      'button',
      { type: 'button', disabled: day <= bounds.min, onclick: () => goDay(addDays(day, -1)) },
      '◀ Previous day',
    ),
    h(
      'button',
      { type: 'button', disabled: day >= bounds.max, onclick: () => goDay(addDays(day, 1)) },
      'Next day ▶',
    ),
  ];
}

/** Every answer the day needs, fetched together; each panel says for itself what failed. */
async function loadDay(machine: string, day: string) {
  const range = query({ machine, from: day, to: day });
  const [util, temperature, energy, programs, counts, critical, changes, runs] = await Promise.all([
    settle(getJson<MachineUtilDayRanged[]>(`/api/v2/machine_util?${range}`)),
    settle(getJson<TemperatureHourRanged[]>(`/api/v2/temperature?${range}`)),
    settle(getJson<EnergyHourRanged[]>(`/api/v2/energy_consumption?${range}`)),
    settle(getJson<MachineProgramDay[]>(`/api/v2/machine_program?${range}`)),
    settle(getJson<AlertsDailyCount[]>(`/api/v2/alerts_daily_count?${range}`)),
    settle(getJson<AlertDetail[]>(`/api/v1/alerts_detail?${query({ machine, target_date: day })}`)),
    // The day's readable states, with the reading in force at midnight.
    settle(
      getJson<MachineStateChanges>(
        `/api/v2/machine_changes?${query({ machine, start: `${day} 00:00:00`, end: `${addDays(day, 1)} 00:00:00` })}`,
      ),
    ),
    settle(getJson<RunGrid>(`/api/v2/runs?${range}`)),
  ]);
  return { util, temperature, energy, programs, counts, critical, changes, runs };
}

/** How final the day is, said above the panels; null for a complete day. */
function statusMark(d: ShownDay): HTMLElement | null {
  const text = statusMarkText(d.status, d);
  if (text === null) return null;
  return h('p', { class: d.status === 'partial' ? 'partial-mark' : 'stop-mark', role: 'status' }, text);
}

/** The state timeline from the raw state readings, and the day's shares from the daily aggregate. */
function statePanel(
  d: ShownDay,
  changes: Settled<MachineStateChanges>,
  util: Settled<MachineUtilDayRanged[]>,
): HTMLElement {
  const statePanel = panel(`State (${d.zone} time)`);
  if (!changes.ok) statePanel.append(note(`State timeline unavailable: ${changes.error.message}`, 'error'));
  else if (changes.value.variable === null)
    statePanel.append(
      note(
        'This machine has no state signal (its activity comes from the gap between log rows): no timeline.',
        'empty',
      ),
    );
  else if (!changes.value.variable_logged)
    statePanel.append(
      note(`This machine's raw database has no ${changes.value.variable} variable: no timeline.`, 'empty'),
    );
  else statePanel.append(...stateTimelineParts(d, changes.value));
  const u = util.ok ? util.value[0] : undefined;
  if (!util.ok) statePanel.append(note(util.error.message, 'error'));
  else if (u) statePanel.append(...dayShares(u, d.status, d.horizon, d.zone));
  else if (d.status !== 'after-stop') statePanel.append(note('No daily activity row for this day.', 'empty'));
  else if (d.day < d.today) {
    // Nothing was logged, so no aggregate row: the day reads as the off days the aggregate has.
    statePanel.append(...dayShares(offDay(d.dayStart, d.dayEnd), d.status, d.horizon, d.zone));
  }
  return statePanel;
}

/** The timeline of a machine whose state variable is logged, its legend and its hours per state. */
function stateTimelineParts(d: ShownDay, changes: MachineStateChanges): Array<HTMLElement | string> {
  const hour = (ms: number) => localTime(ms, d.zone);
  const spans = stateSpans(changes, d.dayStart, d.dayEnd, d.knownUntil);
  const totals = stateTotals(spans);
  return [
    stateTimeline(spans, d.dayStart, d.dayEnd, d.zone, hour),
    legend(),
    changes.at_start === null && changes.changes.length === 0
      ? h(
          'p',
          { class: 'muted small', 'data-note': 'no-state-reading-yet' },
          `No ${changes.variable} reading before or during this day: off until the first one, as the daily numbers count it.`,
        )
      : '',
    dataTable(
      'state-timeline',
      'Hours per state on the timeline',
      ['State', 'Hours'],
      (['running', 'idle', 'off', 'unknown'] as const).map((s) => [
        s,
        { value: totals[s] / 3600, decimals: 2 },
      ]),
    ),
  ];
}

/** Hourly min / avg / max with the band between min and max. */
function temperaturePanel(
  d: ShownDay,
  machine: Machine,
  temperature: Settled<TemperatureHourRanged[]>,
): HTMLElement {
  const hour = (ms: number) => localTime(ms, d.zone);
  const sensor = machine.temperature_sensors[0] ?? 'temperature';
  const tempPanel = panel(`Temperature, ${sensor} (°C, hourly)`);
  if (!temperature.ok) tempPanel.append(note(temperature.error.message, 'error'));
  else if (temperature.value.length === 0)
    tempPanel.append(note(`No temperature readings on ${d.day}.`, 'empty'));
  else {
    const rows = temperature.value;
    tempPanel.append(
      timeChart({
        name: 'temperature',
        label: `Hourly temperature of ${d.day}: min, average and max`,
        zone: d.zone,
        x: rows.map((r) => parseAware(r.ts) / 1000),
        series: [
          { label: 'max', values: rows.map((r) => r.max_value), color: '--hot', kind: 'line' },
          { label: 'avg', values: rows.map((r) => r.avg_value), color: '--fg', kind: 'line' },
          { label: 'min', values: rows.map((r) => r.min_value), color: '--cold', kind: 'line' },
        ],
        band: [1, 3],
        units: { y: '°C' },
        xRange: [d.dayStart / 1000, d.dayEnd / 1000],
        xLabels: hour,
        xLegend: 'Hour',
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
  return tempPanel;
}

/** Hourly energy bars and the day's total, and what they are estimated from. */
function energyPanel(d: ShownDay, machine: Machine, energy: Settled<EnergyHourRanged[]>): HTMLElement {
  const hour = (ms: number) => localTime(ms, d.zone);
  const energyPanel = panel('Energy (kWh per hour)', energySourceText(machine));
  if (!energy.ok) energyPanel.append(note(energy.error.message, 'error'));
  else if (energy.value.length === 0) energyPanel.append(note(`No energy data on ${d.day}.`, 'empty'));
  else {
    const rows = energy.value;
    const total = rows.reduce((s, r) => s + r.energy_kwh, 0);
    energyPanel.append(
      h(
        'p',
        { class: 'total', 'data-total': 'energy', 'data-value': String(total) },
        `Day total: ${fixed(total, 2)} kWh${d.status === 'partial' ? ' so far' : ''}`,
      ),
      timeChart({
        name: 'energy',
        label: `Hourly energy of ${d.day}`,
        zone: d.zone,
        x: rows.map((r) => parseAware(r.ts) / 1000 + 1800),
        series: [{ label: 'kWh', values: rows.map((r) => r.energy_kwh), color: '--energy', kind: 'bar' }],
        units: { y: 'kWh' },
        xRange: [d.dayStart / 1000, d.dayEnd / 1000],
        xLabels: hour,
        xLegend: 'Hour',
      }),
      dataTable(
        'energy',
        'Hourly energy',
        ['Hour', 'kWh'],
        rows.map((r) => [hour(parseAware(r.ts)), { value: r.energy_kwh, decimals: 3 }]),
      ),
    );
  }
  return energyPanel;
}

/** Time per program, longest first. */
function programPanel(day: string, programs: Settled<MachineProgramDay[]>): HTMLElement {
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
  return programPanel;
}

/** Activations per severity, and the critical ones. */
function alertPanel(counts: Settled<AlertsDailyCount[]>, critical: Settled<AlertDetail[]>): HTMLElement {
  const alertPanel = panel('Alerts');
  if (!counts.ok) alertPanel.append(note(counts.error.message, 'error'));
  else {
    const byType = alertsByType(counts.value);
    alertPanel.append(
      h(
        'p',
        { class: 'alerts' },
        ...alertTypes.map((t) =>
          h(
            'span',
            // Coloured only when there is something to see: a red 0 reads as an alarm.
            { class: `badge${byType[t] > 0 ? ` sev-${t}` : ''}`, 'data-type': t, 'data-value': byType[t] },
            `${byType[t]} ${t}`,
          ),
        ),
      ),
    );
  }
  if (!critical.ok) alertPanel.append(note(critical.error.message, 'error'));
  else if (critical.value.length === 0)
    alertPanel.append(note('No emergency or error alert this day.', 'empty'));
  else alertPanel.append(criticalAlertsTable(critical.value));
  return alertPanel;
}

function criticalAlertsTable(alerts: AlertDetail[]): HTMLElement {
  return h(
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
      ...alerts.map((a) =>
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
  );
}

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

/** The served shares and hours of a day as a bar and a table; the part after the data is named by `status`. */
function dayShares(
  u: Pick<MachineUtilDayRanged, 'shares' | 'hours' | 'day_hours'>,
  status: DayStatus,
  horizon: number,
  zone: string,
): HTMLElement[] {
  const afterLabel =
    status === 'stopped' || status === 'after-stop'
      ? `Off after the last reading (${localTime(horizon, zone)})`
      : shareLabels.unknown;
  const parts = (['running', 'idle', 'off', 'unknown'] as const).filter(
    (k) => k !== 'unknown' || u.shares.unknown > 0,
  );
  const label = (k: (typeof parts)[number]) => (k === 'unknown' ? afterLabel : shareLabels[k]);
  return [
    shareBar(
      parts.map((k) => ({
        key: k,
        label: label(k),
        percent: u.shares[k],
        ...(k === 'unknown' && status !== 'partial' ? { kind: 'off-after' } : {}),
      })),
    ),
    h(
      'p',
      { class: 'share-figures day-shares' },
      ...parts.map((k) =>
        h(
          'span',
          { class: 'figure', 'data-figure': k, 'data-value': String(u.shares[k]) },
          h('i', { class: `swatch share-${k === 'unknown' && status !== 'partial' ? 'off-after' : k}` }),
          `${label(k)} `,
          h('strong', {}, shareText(u.shares[k])),
        ),
      ),
    ),
    dataTable(
      'utilization',
      `Day of ${fixed(u.day_hours, 0)} hours${status === 'after-stop' ? ' (no reading: off)' : ' (aggregate)'}`,
      ['State', 'Hours', 'Share %'],
      parts.map((k) => [
        label(k).toLowerCase(),
        { value: u.hours[k], decimals: 2 },
        { value: u.shares[k], decimals: 2 },
      ]),
      true,
    ),
  ];
}
