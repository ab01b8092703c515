import { type EnergyHour, getJson, query, type UtilDay } from '../api.ts';
import { timeChart } from '../charts.ts';
import { dateField, machinePicker } from '../context.ts';
import { dataTable, h, note, panel } from '../dom.ts';
import { addDays, daysBetween, localDay, localMidnight } from '../time.ts';
import type { View } from './view.ts';

/** The range endpoints' limit. */
const maxDays = 366;

/** Daily running share and energy over a range of days. */
export const rangeView: View = {
  title: 'Week / range',
  live: (ctx, params) => {
    const machine = ctx.machine(params.get('machine'));
    const to = params.get('to');
    return to === null || to >= localDay(Date.now(), machine.timezone);
  },
  async render(ctx, params, go) {
    const machine = ctx.machine(params.get('machine'));
    const status = await ctx.dataStatus(machine.id);
    const root = h('div', { class: 'view-range', 'data-machine': machine.id });
    const controls = h(
      'form',
      { class: 'controls', onsubmit: (e) => e.preventDefault() },
      machinePicker(ctx, machine.id, (id) => go({ machine: id })),
    );
    root.append(h('h1', {}, `${machine.name}: days`), controls);
    if (!status.first_date || !status.last_date) {
      root.append(note('No data aggregated for this machine yet: nothing to show.', 'empty'));
      return root;
    }
    const to = params.get('to') ?? status.last_date;
    const from = params.get('from') ?? maxOf(status.first_date, addDays(to, -6));
    const bounds = { min: status.first_date, max: status.last_date };
    controls.append(
      dateField('from', 'From', from, bounds, (d) => go({ machine: machine.id, from: d, to })),
      dateField('to', 'To', to, bounds, (d) => go({ machine: machine.id, from, to: d })),
    );
    root.dataset.from = from;
    root.dataset.to = to;
    if (from > to) {
      root.append(note('“From” is after “To”: choose a range that runs forward.', 'error'));
      return root;
    }
    const days = daysBetween(from, to);
    if (days.length > maxDays) {
      root.append(note(`At most ${maxDays} days at a time: this range has ${days.length}.`, 'error'));
      return root;
    }
    const range = query({ machine: machine.id, from, to });
    let util: UtilDay[];
    let energy: EnergyHour[];
    try {
      [util, energy] = await Promise.all([
        getJson<UtilDay[]>(`/api/v2/machine_util?${range}`),
        getJson<EnergyHour[]>(`/api/v2/energy_consumption?${range}`),
      ]);
    } catch (error) {
      root.append(note((error as Error).message, 'error'));
      return root;
    }
    if (util.length === 0 && energy.length === 0) {
      root.append(note(`No data between ${from} and ${to}.`, 'empty'));
      return root;
    }
    const utilByDay = new Map(util.map((u) => [u.dt, u]));
    const energyByDay = new Map<string, number>();
    for (const e of energy) {
      const d = e.hour_ts.slice(0, 10);
      energyByDay.set(d, (energyByDay.get(d) ?? 0) + e.energy_kwh);
    }
    const dayLabel = (ms: number) => localDay(ms, machine.timezone).slice(5);
    const x = days.map((d) => localMidnight(d, machine.timezone) / 1000 + 43_200);
    const running = days.map((d) => {
      const u = utilByDay.get(d);
      return u ? u.running_percentage : null;
    });
    const kwh = days.map((d) => energyByDay.get(d) ?? null);
    root.append(
      h(
        'div',
        { class: 'panels' },
        panel(
          'Running share per day (%)',
          timeChart({
            name: 'running-share',
            label: `Running share per day, ${from} to ${to}`,
            zone: machine.timezone,
            x,
            series: [{ label: 'running %', values: running, color: '--running', kind: 'bar' }],
            units: { y: '%' },
            xLabels: dayLabel,
          }),
        ),
        panel(
          'Energy per day (kWh)',
          timeChart({
            name: 'daily-energy',
            label: `Energy per day, ${from} to ${to}`,
            zone: machine.timezone,
            x,
            series: [{ label: 'kWh', values: kwh, color: '--energy', kind: 'bar' }],
            units: { y: 'kWh' },
            xLabels: dayLabel,
          }),
        ),
        panel(
          'Days',
          dataTable(
            'range',
            `${from} to ${to}`,
            ['Day', 'Running %', 'Idle %', 'Planned down %', 'Energy kWh'],
            days.map((d, i) => {
              const u = utilByDay.get(d);
              const pct = (hours: number | undefined) =>
                u && hours !== undefined ? (hours / u.day_hours) * 100 : null;
              return [
                d,
                { value: running[i] ?? null, decimals: 1 },
                { value: pct(u?.state_unplanned_down), decimals: 1 },
                { value: u ? u.down_percentage : null, decimals: 1 },
                { value: kwh[i] ?? null, decimals: 2 },
              ];
            }),
            true,
          ),
        ),
      ),
    );
    return root;
  },
};

function maxOf(a: string, b: string): string {
  return a > b ? a : b;
}
