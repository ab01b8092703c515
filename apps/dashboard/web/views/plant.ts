import {
  type AlertCount,
  type AlertDetail,
  type EnergyHour,
  getJson,
  type MachineInfo,
  query,
  type RunGrid,
  type UtilDay,
} from '../api.ts';
import { shareBar } from '../charts.ts';
import type { Context } from '../context.ts';
import { fixed, h, note } from '../dom.ts';
import { formatAge, localDay } from '../time.ts';
import type { View } from './view.ts';

/** Every machine at a glance: today's (or its latest day's) shares, energy, alerts and freshness. */
export const plantView: View = {
  title: 'Plant',
  live: () => true,
  async render(ctx) {
    const cards = await Promise.all(ctx.machines.map((m) => machineCard(ctx, m)));
    return h(
      'div',
      {},
      h('h1', {}, 'Plant'),
      h('p', { class: 'lead' }, 'Each machine’s latest day, in its own time zone. Refreshes every minute.'),
      h('div', { class: 'cards' }, ...cards),
    );
  },
};

async function machineCard(ctx: Context, machine: MachineInfo): Promise<HTMLElement> {
  const card = h('article', { class: 'card', 'data-machine': machine.id });
  card.append(h('h2', {}, machine.name, ' ', h('small', {}, `${machine.id} · ${machine.timezone}`)));
  try {
    const status = await ctx.dataStatus(machine.id);
    const day = status.last_date;
    if (!day) {
      card.append(note('No data aggregated for this machine yet.', 'empty'));
      return card;
    }
    const today = localDay(Date.now(), machine.timezone);
    const range = query({ machine: machine.id, from: day, to: day });
    const [util, energy, counts, critical, runs] = await Promise.all([
      getJson<UtilDay[]>(`/api/v2/machine_util?${range}`),
      getJson<EnergyHour[]>(`/api/v2/energy_consumption?${range}`),
      getJson<AlertCount[]>(`/api/v2/alerts_daily_count?${range}`),
      getJson<AlertDetail[]>(`/api/v1/alerts_detail?${query({ machine: machine.id, target_date: day })}`),
      getJson<RunGrid>(`/api/v2/runs?${range}`),
    ]);
    card.dataset.day = day;
    card.append(
      h(
        'p',
        { class: 'day-label' },
        day === today ? `Today, ${day}` : `Latest day with data: ${day}`,
        ' · ',
        h('a', { href: `#/day?${query({ machine: machine.id, day })}` }, 'open the day'),
      ),
    );
    const u = util[0];
    if (u) {
      const known = u.state_running + u.state_unplanned_down + u.state_planned_down;
      const pct = (hours: number) => (hours / u.day_hours) * 100;
      card.append(
        shareBar([
          { key: 'running', label: 'Running', percent: pct(u.state_running) },
          { key: 'idle', label: 'Idle (unplanned down)', percent: pct(u.state_unplanned_down) },
          { key: 'off', label: 'Off (planned down)', percent: pct(u.state_planned_down) },
          { key: 'unknown', label: 'Not yet known', percent: pct(Math.max(0, u.day_hours - known)) },
        ]),
        h(
          'dl',
          { class: 'figures' },
          figure('Running', `${fixed(u.running_percentage, 1)} %`, 'running', u.running_percentage),
          figure('Idle', `${fixed(pct(u.state_unplanned_down), 1)} %`, 'idle', pct(u.state_unplanned_down)),
          figure(
            'Planned down',
            `${fixed(pct(u.state_planned_down), 1)} %`,
            'off',
            pct(u.state_planned_down),
          ),
          figure(
            'Energy so far',
            `${fixed(
              energy.reduce((s, e) => s + e.energy_kwh, 0),
              1,
            )} kWh`,
            'energy',
            energy.reduce((s, e) => s + e.energy_kwh, 0),
          ),
        ),
      );
      if (known < u.day_hours - 0.01) {
        card.append(
          h(
            'p',
            { class: 'partial-mark' },
            `Partial day: ${fixed(known, 1)} of ${fixed(u.day_hours, 0)} h known so far.`,
          ),
        );
      }
    } else {
      card.append(note(`No activity row for ${day} (no state signal data).`, 'empty'));
    }
    const byType = Object.fromEntries(counts.map((c) => [c.alert_type, c.amount]));
    card.append(
      h(
        'p',
        { class: 'alerts', 'data-alerts': counts.reduce((s, c) => s + c.amount, 0) },
        'Alerts this day: ',
        ...(['emergency', 'error', 'warning', 'other'] as const).map((t) =>
          h(
            'span',
            { class: `badge sev-${t}`, 'data-type': t, 'data-value': byType[t] ?? 0 },
            `${byType[t] ?? 0} ${t}`,
          ),
        ),
      ),
    );
    const last = critical.at(-1);
    if (last) {
      card.append(
        h(
          'p',
          { class: 'latest-alert' },
          `Latest critical: ${last.dt.slice(11, 16)} ${last.alert_type} ${last.alarm_code ?? ''} ${last.alarm_description ?? ''}`,
        ),
      );
    }
    const fresh = runs.machines[0]?.freshness;
    const dayStatus = runs.machines[0]?.days[0]?.status ?? 'missing';
    card.append(
      h(
        'p',
        { class: 'freshness', 'data-status': dayStatus },
        `Pipeline: ${dayStatus}`,
        fresh?.last_success_age_seconds != null
          ? ` · last ETL run ${formatAge(fresh.last_success_age_seconds)}`
          : ' · no successful run yet',
        fresh?.horizon ? ` · data up to ${fresh.horizon.slice(0, 16)}` : '',
      ),
    );
  } catch (error) {
    card.append(note((error as Error).message, 'error'));
  }
  return card;
}

function figure(label: string, text: string, key: string, value: number): HTMLElement {
  return h(
    'div',
    { class: 'figure', 'data-figure': key, 'data-value': String(value) },
    h('dt', {}, label),
    h('dd', {}, text),
  );
}
