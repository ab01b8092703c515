import type { MachineStatus, Plant, PlantMachine } from '@mm/api-contract';
import { getJson, query } from '../api.ts';
import { shareBar } from '../charts.ts';
import type { Context } from '../context.ts';
import { fixed, h, note, pager } from '../dom.ts';
import { shareLabels, shareText } from '../shares.ts';
import { formatAge, localDay } from '../time.ts';
import type { View } from './view.ts';

// Every machine at a glance, as one compact table: one request for the page whatever the plant's size
// (`/api/v2/plant` filters, sorts and pages in the database), plus the machine list every view shares.

/** A machine's status, worst first (the order of the chips and of the `problems` sort). */
const machineStatuses = [
  'failed',
  'stale',
  'alarm',
  'no_data',
  'ok',
] as const satisfies readonly MachineStatus[];
const statusLabel: Record<MachineStatus, string> = {
  failed: 'Failed',
  stale: 'Stale',
  alarm: 'Alarm',
  no_data: 'No data',
  ok: 'OK',
};
const problems = 'failed,stale,alarm';
/** The view's sort choices: the API's `sort`, with `-` for descending. */
const sorts: Array<[string, string]> = [
  ['problems', 'Problems first'],
  ['name', 'Name'],
  ['id', 'Id'],
  ['config', 'Configuration order'],
  ['running', 'Running share, lowest first'],
  ['-running', 'Running share, highest first'],
  ['-data_age', 'Oldest data first'],
];
const pageSizes = ['25', '50', '100'];
const filterKeys = ['q', 'status', 'timezone', 'profile', 'sort', 'size'] as const;

/** The plant's machines, problems first: status, latest day's shares, energy, alarms, pipeline, freshness. */
export const plantView: View = {
  title: 'Plant',
  live: () => true,
  async render(ctx, params, go) {
    const state = Object.fromEntries(filterKeys.map((k) => [k, params.get(k) ?? ''])) as Record<
      (typeof filterKeys)[number],
      string
    >;
    const page = Math.max(1, Number(params.get('page')) || 1);
    const size = pageSizes.includes(state.size) ? state.size : '50';
    const sort = sorts.some(([v]) => v === state.sort) ? state.sort : 'problems';
    // A changed filter starts again at page 1.
    const set = (changes: Partial<Record<(typeof filterKeys)[number], string>>) =>
      go(clean({ ...state, ...changes }));
    const hrefOf = (p: number) => `#/plant?${new URLSearchParams(clean({ ...state, page: String(p) }))}`;

    const root = h('div', { class: 'view-plant' });
    root.append(
      h('h1', {}, 'Plant'),
      h(
        'p',
        { class: 'lead' },
        'Each machine’s latest day, in its own time zone; problems first. Refreshes every minute.',
      ),
      controls(ctx, { ...state, sort, size }, set),
    );
    let plant: Plant;
    try {
      plant = await getJson<Plant>(
        `/api/v2/plant?${query({
          q: state.q || undefined,
          status: state.status || undefined,
          timezone: state.timezone || undefined,
          profile: state.profile || undefined,
          sort: sort.replace(/^-/, ''),
          order: sort.startsWith('-') ? 'desc' : undefined,
          page: String(page),
          page_size: size,
        })}`,
      );
    } catch (error) {
      root.append(note((error as Error).message, 'error'));
      return root;
    }
    root.dataset.total = String(plant.total);
    root.append(statusChips(plant, state.status, (status) => set({ status })));
    const paging = { page: plant.page, pages: plant.pages, pageSize: plant.page_size, total: plant.total };
    if (plant.machines.length === 0) {
      root.append(
        note(
          plant.total === 0 ? 'No machine matches these filters.' : 'This page is past the last one.',
          'empty',
        ),
        pager('Machines', paging, hrefOf),
      );
      return root;
    }
    const now = Date.now();
    root.append(
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'plant', 'data-table': 'plant' },
          h('caption', {}, `Machines, ${sorts.find(([v]) => v === sort)?.[1].toLowerCase()}`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                'Status',
                'Machine',
                'Running · idle · off',
                'Energy',
                'Alarms',
                'Pipeline',
                'Latest reading',
              ].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h('tbody', {}, ...plant.machines.map((m) => row(m, now))),
        ),
      ),
      pager('Machines', paging, hrefOf),
    );
    return root;
  },
};

/** Only the parameters that say something, so addresses stay short. */
function clean(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (
      v === '' ||
      (k === 'sort' && v === 'problems') ||
      (k === 'size' && v === '50') ||
      (k === 'page' && v === '1')
    )
      continue;
    out[k] = v;
  }
  return out;
}

function controls(
  ctx: Context,
  state: Record<(typeof filterKeys)[number], string>,
  set: (changes: Partial<Record<(typeof filterKeys)[number], string>>) => void,
): HTMLElement {
  const distinct = (values: string[]) => [...new Set(values)].sort();
  const select = (
    id: string,
    label: string,
    value: string,
    options: Array<[string, string]>,
    onChange: (v: string) => void,
  ) =>
    h(
      'label',
      { class: 'field' },
      h('span', {}, label),
      h(
        'select',
        { id, name: id, onchange: (e) => onChange((e.target as HTMLSelectElement).value) },
        ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
      ),
    );
  let typing: ReturnType<typeof setTimeout> | undefined;
  const search = h('input', {
    type: 'search',
    id: 'plant-q',
    name: 'q',
    value: state.q,
    placeholder: 'id or name',
    autocomplete: 'off',
    // Searching as one types, once the typing pauses.
    oninput: (e) => {
      clearTimeout(typing);
      const value = (e.target as HTMLInputElement).value;
      typing = setTimeout(() => set({ q: value.trim() }), 350);
    },
  });
  return h(
    'form',
    {
      class: 'controls plant-controls',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        clearTimeout(typing);
        set({ q: search.value.trim() });
      },
    },
    h('label', { class: 'field' }, h('span', {}, 'Search'), search),
    select(
      'plant-status',
      'Status',
      state.status,
      [
        ['', 'All statuses'],
        [problems, 'Problems (failed, stale, alarm)'],
        ...machineStatuses.map((s): [string, string] => [s, statusLabel[s]]),
      ],
      (status) => set({ status }),
    ),
    select(
      'plant-timezone',
      'Time zone',
      state.timezone,
      [
        ['', 'All time zones'],
        ...distinct(ctx.machines.map((m) => m.timezone)).map((z): [string, string] => [z, z]),
      ],
      (timezone) => set({ timezone }),
    ),
    select(
      'plant-profile',
      'Profile',
      state.profile,
      [
        ['', 'All profiles'],
        ...distinct(ctx.machines.map((m) => m.profile)).map((p): [string, string] => [p, p]),
      ],
      (profile) => set({ profile }),
    ),
    select('plant-sort', 'Sort', state.sort, sorts, (sort) => set({ sort })),
    select(
      'plant-size',
      'Per page',
      state.size,
      pageSizes.map((s): [string, string] => [s, s]),
      (size) => set({ size }),
    ),
  );
}

/** How many machines have each status (for the current text, zone and profile), each a filter link. */
function statusChips(plant: Plant, current: string, choose: (status: string) => void): HTMLElement {
  const all = machineStatuses.reduce((sum, s) => sum + (plant.counts[s] ?? 0), 0);
  const chip = (value: string, label: string, count: number, kind: string) =>
    h(
      'button',
      {
        type: 'button',
        class: `chip chip-${kind}`,
        'aria-pressed': String(current === value),
        'data-status': value || 'all',
        'data-count': count,
        onclick: () => choose(value),
      },
      `${label} `,
      h('strong', {}, String(count)),
    );
  return h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': 'Machines by status' },
    chip('', 'All', all, 'all'),
    ...machineStatuses.map((s) => chip(s, statusLabel[s], plant.counts[s] ?? 0, s)),
  );
}

function row(m: PlantMachine, now: number): HTMLElement {
  const day = m.latest_day;
  const today = localDay(now, m.timezone);
  const tr = h('tr', {
    'data-machine': m.machine,
    'data-status': m.status,
    'data-day': day?.day ?? null,
  });
  const dayText = day ? (day.day === today ? 'today' : day.day) : 'no aggregated day';
  tr.append(
    h('td', {}, h('span', { class: `status-badge status-${m.status}` }, statusLabel[m.status])),
    h(
      'th',
      { scope: 'row', class: 'machine-cell' },
      h('a', { href: `#/day?${query({ machine: m.machine, ...(day ? { day: day.day } : {}) })}` }, m.name),
      h('small', {}, `${m.machine} · ${m.timezone} · ${dayText}`),
    ),
    sharesCell(m),
    energyCell(m),
    alarmsCell(m),
    pipelineCell(m),
    dataCell(m),
  );
  return tr;
}

function figure(key: string, value: number | null, text: string): HTMLElement {
  return h(
    'span',
    { class: 'figure', 'data-figure': key, 'data-value': value === null ? 'null' : String(value) },
    text,
  );
}

function sharesCell(m: PlantMachine): HTMLElement {
  const shares = m.latest_day?.shares;
  if (!shares) return h('td', { class: 'muted' }, m.latest_day ? 'no activity row' : '–');
  // The part after the latest reading is named for what it is, not promised: a machine switched off
  // logs nothing more, and its day will not grow (the machine-day view tells the two apart).
  const after = shares.unknown > 0;
  return h(
    'td',
    { class: 'shares-cell' },
    shareBar([
      { key: 'running', label: shareLabels.running, percent: shares.running },
      { key: 'idle', label: shareLabels.idle, percent: shares.idle },
      { key: 'off', label: shareLabels.off, percent: shares.off },
      { key: 'unknown', label: 'After the latest reading', percent: shares.unknown },
    ]),
    h(
      'span',
      { class: 'share-figures' },
      figure('running', shares.running, shareText(shares.running)),
      ' · ',
      figure('idle', shares.idle, shareText(shares.idle)),
      ' · ',
      figure('off', shares.off, shareText(shares.off)),
      after
        ? h(
            'span',
            { class: 'muted', title: 'Of the day after the latest reading' },
            ` · ${shareText(shares.unknown)} after the latest reading`,
          )
        : null,
    ),
  );
}

function energyCell(m: PlantMachine): HTMLElement {
  const kwh = m.latest_day?.energy_kwh ?? null;
  return h('td', { class: 'num' }, kwh === null ? '–' : figure('energy', kwh, `${fixed(kwh, 1)}\u202fkWh`));
}

function alarmsCell(m: PlantMachine): HTMLElement {
  const day = m.latest_day;
  if (!day) return h('td', { class: 'muted' }, '–');
  const critical = day.alerts.emergency + day.alerts.error;
  const last = day.latest_critical;
  return h(
    'td',
    { class: 'alarms-cell', 'data-alerts': critical + day.alerts.warning + day.alerts.other },
    h(
      'span',
      { class: `badge ${critical > 0 ? 'sev-error' : ''}`, 'data-type': 'critical', 'data-value': critical },
      `${critical} critical`,
    ),
    h(
      'span',
      { class: 'badge', 'data-type': 'warning', 'data-value': day.alerts.warning },
      `${day.alerts.warning} warn.`,
    ),
    last
      ? h(
          'small',
          {
            class: 'latest-alert',
            title: `${last.dt} ${last.alarm_code ?? ''} ${last.alarm_description ?? ''}`,
          },
          `${last.dt.slice(11, 16)} ${last.alarm_code ?? ''} ${last.alarm_description ?? ''}`,
        )
      : null,
  );
}

function pipelineCell(m: PlantMachine): HTMLElement {
  const p = m.latest_day?.pipeline;
  const issues = [
    m.problems.failed_days > 0
      ? `${m.problems.failed_days} failed day${m.problems.failed_days === 1 ? '' : 's'}`
      : null,
    m.problems.stale_days > 0
      ? `${m.problems.stale_days} stale day${m.problems.stale_days === 1 ? '' : 's'}`
      : null,
  ].filter(Boolean);
  return h(
    'td',
    { class: 'pipeline-cell', 'data-pipeline': p?.status ?? 'none' },
    p ? h('span', { class: `swatch st-${p.status}`, title: `latest day: ${p.status}` }, '') : null,
    p ? `${p.status}` : 'no run',
    p?.refreshed_age_seconds != null ? h('small', {}, `run ${formatAge(p.refreshed_age_seconds)}`) : null,
    issues.length > 0
      ? h('a', { class: 'issues', href: `#/pipeline?${query({ machine: m.machine })}` }, issues.join(', '))
      : null,
  );
}

function dataCell(m: PlantMachine): HTMLElement {
  const span = m.data_span;
  const cell = h('td', { class: 'data-cell', 'data-span': span.state });
  if (span.state === 'recorded' && span.last_reading) {
    cell.append(
      span.last_reading_age_seconds === null ? '' : formatAge(span.last_reading_age_seconds),
      h(
        'small',
        { title: `latest reading ${span.last_reading}` },
        `latest ${span.last_reading.slice(5, 16)}`,
      ),
    );
  } else {
    cell.append(span.state === 'no_readings' ? 'no readings' : 'not read yet');
    cell.title =
      span.state === 'no_readings'
        ? 'The scheduler found no reading in this machine’s raw database.'
        : 'The scheduler has not read this machine’s raw data yet.';
  }
  return cell;
}
