import type {
  EnergyHourRanged,
  FourStates,
  MachineStateChanges,
  MachineUtilDayRanged,
  RunGrid,
} from '@mm/api-contract';
import { getJson, query } from '../api.ts';
import { dayBars } from '../axis.ts';
import { timeChart } from '../charts.ts';
import { dateField, energySourceText, machinePicker } from '../context.ts';
import { horizonOf, stateAt } from '../day-status.ts';
import { dataTable, fixed, h, note, panel } from '../dom.ts';
import { addDays, daysBetween, localDay } from '../time.ts';
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
    const zone = machine.timezone;
    const today = localDay(Date.now(), zone);
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
    const last = status.last_date;
    const to = params.get('to') ?? last;
    const from = params.get('from') ?? maxOf(status.first_date, addDays(to, -6));
    // Up to today: days after the last aggregated one may be days off after a stop.
    const bounds = { min: status.first_date, max: maxOf(today, last) };
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
    let util: MachineUtilDayRanged[];
    let energy: EnergyHourRanged[];
    let stop: number | null;
    try {
      [util, energy, stop] = await Promise.all([
        getJson<MachineUtilDayRanged[]>(`/api/v2/machine_util?${range}`),
        getJson<EnergyHourRanged[]>(`/api/v2/energy_consumption?${range}`),
        // Only a range reaching past the aggregated days needs to know whether the machine stopped.
        to > last ? stoppedAt(machine.id, last) : Promise.resolve(null),
      ]);
    } catch (error) {
      root.append(note((error as Error).message, 'error'));
      return root;
    }
    const utilByDay = new Map(util.map((u) => [u.dt, u]));
    // Days after a stop, before today: nothing was logged, so no aggregate row, but the day was off as
    // surely as the off days the aggregate has (DOMAIN §4: an off reading holds until the next one).
    const offAfterStop = (d: string) =>
      stop !== null && !utilByDay.has(d) && d > localDay(stop, zone) && d < today;
    if (util.length === 0 && energy.length === 0 && !days.some(offAfterStop)) {
      root.append(note(`No data between ${from} and ${to}.`, 'empty'));
      return root;
    }
    const energyByDay = new Map<string, number>();
    for (const e of energy) {
      const d = e.hour_ts.slice(0, 10);
      energyByDay.set(d, (energyByDay.get(d) ?? 0) + e.energy_kwh);
    }
    const shareOf = (d: string, k: keyof FourStates): number | null => {
      const u = utilByDay.get(d);
      if (u) return u.shares[k];
      if (offAfterStop(d)) return k === 'off' ? 100 : 0;
      return null;
    };
    const dayLabel = (ms: number) => localDay(ms, zone).slice(5);
    // Each bar at its day's noon, the axis half a day wider on each side: no bar is cut at an edge.
    const { x, range: xRange } = dayBars(days, zone);
    const running = days.map((d) => shareOf(d, 'running'));
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
            zone,
            x,
            series: [{ label: 'running %', values: running, color: '--running', kind: 'bar' }],
            units: { y: '%' },
            yRanges: { y: [0, 100] },
            xRange,
            xTicks: x,
            xLabels: dayLabel,
            xLegend: 'Day',
          }),
        ),
        panel(
          'Energy per day (kWh)',
          timeChart({
            name: 'daily-energy',
            label: `Energy per day, ${from} to ${to}`,
            zone,
            x,
            series: [{ label: 'kWh', values: kwh, color: '--energy', kind: 'bar' }],
            units: { y: 'kWh' },
            xRange,
            xTicks: x,
            xLabels: dayLabel,
            xLegend: 'Day',
          }),
          energySourceText(machine),
        ),
        panel(
          'Days',
          dataTable(
            'range',
            `${from} to ${to}: shares of each full day as the API rounds them`,
            ['Day', 'Running %', 'Idle %', 'Planned down %', 'Energy kWh'],
            days.map((d, i) => {
              const u = utilByDay.get(d);
              const note =
                u && u.shares.unknown > 0
                  ? ` (${fixed(u.shares.unknown, 2)} % after the last reading)`
                  : offAfterStop(d)
                    ? ' (off: no reading since the machine was switched off)'
                    : '';
              return [
                `${d}${note}`,
                { value: running[i] ?? null, decimals: 2 },
                { value: shareOf(d, 'idle'), decimals: 2 },
                { value: shareOf(d, 'off'), decimals: 2 },
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

/**
 * When the machine's data ends with it switched off, the instant of that last reading (epoch ms);
 * null when it was on then, or has no state signal.
 */
async function stoppedAt(machine: string, day: string): Promise<number | null> {
  // The grid's freshness is the machine's, whatever the day asked for.
  const grid = await getJson<RunGrid>(`/api/v2/runs?${query({ machine, from: day, to: day })}`);
  const horizon = horizonOf(grid.machines[0]);
  if (horizon === null) return null;
  const instant = new Date(horizon).toISOString();
  const changes = await getJson<MachineStateChanges>(
    `/api/v2/machine_changes?${query({ machine, start: instant, end: instant })}`,
  );
  return stateAt(changes, horizon) === 'off' ? horizon : null;
}

function maxOf(a: string, b: string): string {
  return a > b ? a : b;
}
