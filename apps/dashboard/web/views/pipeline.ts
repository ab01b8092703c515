import type { AdminSession, RequeueResult, RunGrid, RunGridMachine } from '@mm/api-contract';
import { type ApiError, getJson, query } from '../api.ts';
import { type Context, dateField, machinePicker } from '../context.ts';
import { h, note, pager, panel } from '../dom.ts';
import {
  cellTip,
  countsText,
  defaultDays,
  lastDataDays,
  type MachineGridRow,
  machineGridRow,
  maxDays,
  pageSizeFor,
  shownStatus,
  spanText,
  statusLetter,
  statusName,
} from '../run-grid.ts';
import { addDays, daysBetween, formatAge, localDay } from '../time.ts';
import type { View } from './view.ts';

/** Admin credentials, kept in memory only (gone on reload): sent with each re-queue. */
let session: { user: string; password: string } | null = null;
/**
 * The credentials, and `X-Requested-With` so that a wrong password is answered to the page: a
 * challenged 401 (`WWW-Authenticate: Basic`) is held by the browser for its own login prompt.
 */
const adminHeaders = (s: { user: string; password: string }) => ({
  Authorization: `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${s.user}:${s.password}`)))}`,
  'X-Requested-With': 'fetch',
});

/** The run ledger as a (machine x ETL x day) grid, and re-queueing from it for a signed-in operator. */
export const pipelineView: View = {
  title: 'Pipeline',
  live: () => false,
  async render(ctx, params, go) {
    const selected = params.get('machine') ?? 'all';
    const machines = selected === 'all' ? ctx.machines : [ctx.machine(selected)];
    // Today where it is latest among the machines' zones: the default range ends there at any
    // number of machines; days a machine has no data for say so.
    const zones = [...new Set(machines.map((m) => m.timezone))];
    const today =
      zones
        .map((z) => localDay(Date.now(), z))
        .sort()
        .at(-1) ?? localDay(Date.now(), 'UTC');
    const to = params.get('to') ?? today;
    const from = params.get('from') ?? addDays(to, -(defaultDays - 1));
    const page = Math.max(1, Number(params.get('page')) || 1);

    const root = h('div', { class: 'view-pipeline' });
    root.append(h('h1', {}, 'Pipeline'), pipelineControls(ctx, { selected, from, to, page }, go));
    const days = from <= to ? daysBetween(from, to) : [];
    if (days.length === 0 || days.length > maxDays) {
      root.append(
        note(
          days.length === 0
            ? '“From” is after “To”.'
            : `At most ${maxDays} days at a time: this range has ${days.length}.`,
          'error',
        ),
      );
      return root;
    }
    let grid: RunGrid;
    try {
      grid = await getJson<RunGrid>(
        `/api/v2/runs?${query({
          from,
          to,
          machine: selected === 'all' ? undefined : selected,
          page: String(page),
          page_size: String(pageSizeFor(days.length)),
        })}`,
      );
    } catch (error) {
      root.append(note((error as Error).message, 'error'));
      return root;
    }

    const form = requeueForm(
      ctx.machines.map((m) => m.id),
      grid.etls,
      machines[0]?.id ?? '',
      from,
      to,
    );
    const hrefOf = (p: number) =>
      `#/pipeline?${new URLSearchParams({ machine: selected, from, to, page: String(p) })}`;
    root.append(
      pager(
        'Machines',
        { page: grid.page, pages: grid.pages, pageSize: grid.page_size, total: grid.total_machines },
        hrefOf,
      ),
      ...gridParts(grid, days.length, (cell, extend) => selectCells(form.fields, cell, extend)),
      statusLegend(),
      panel('Re-queue', signIn(form.setSignedIn), form.element),
    );
    return root;
  },
};

/** The machine, the range, Refresh (the view does not refresh by itself) and a link to Bull Board. */
function pipelineControls(
  ctx: Context,
  shown: { selected: string; from: string; to: string; page: number },
  go: (params: Record<string, string>) => void,
): HTMLElement {
  const { selected, from, to, page } = shown;
  const here = (p: Record<string, string>) => go({ machine: selected, from, to, ...p });
  return h(
    'form',
    { class: 'controls', onsubmit: (e) => e.preventDefault() },
    machinePicker(ctx, selected, (id) => go({ machine: id }), { value: 'all', label: 'All machines' }),
    dateField('from', 'From', from, {}, (d) => here({ from: d })),
    dateField('to', 'To', to, {}, (d) => here({ to: d })),
    h('button', { type: 'button', onclick: () => here({ page: String(page) }) }, 'Refresh'),
    h(
      'a',
      { class: 'button-link', href: '/admin/queues', target: '_blank', rel: 'noopener' },
      'Bull Board ↗',
    ),
  );
}

/** A cell of the grid: which slice it is. */
interface Slice {
  machine: string;
  etl: string;
  day: string;
}

/**
 * The caption, the scroll hint and the scrolling grid: per machine a heading row, a row of days and
 * one row of cells per ETL. On a narrow screen the grid opens on its newest day, the one most likely
 * to need attention.
 */
function gridParts(
  grid: RunGrid,
  dayCount: number,
  onSelect: (cell: Slice, extend: boolean) => void,
): HTMLElement[] {
  // The caption stands above the scrolling grid, where it stays readable on a narrow screen.
  const caption = h(
    'p',
    { class: 'grid-caption', id: 'runs-caption' },
    `Run ledger ${grid.from} to ${grid.to}. Select a cell (Shift to extend the range) to re-queue it.`,
  );
  const table = h('table', { class: 'grid', 'data-table': 'runs', 'aria-labelledby': 'runs-caption' });
  for (const m of grid.machines) {
    const row = machineGridRow(m);
    table.append(
      machineHeadingRow(m, row, dayCount, grid),
      dayRow(m, row),
      ...grid.etls.map((etl) => etlRow(m, etl, onSelect)),
    );
  }
  const wrap = h('div', { class: 'grid-wrap' }, table);
  const hint = h(
    'p',
    { class: 'scroll-hint', hidden: true },
    '◀ Earlier days: scroll the grid sideways (the newest day is on the right).',
  );
  requestAnimationFrame(() => {
    wrap.scrollLeft = wrap.scrollWidth;
    hint.hidden = wrap.scrollWidth <= wrap.clientWidth;
  });
  return [caption, hint, wrap];
}

/** A machine's heading: name, zone, freshness, data span, cell counts, and a link to its data's days. */
function machineHeadingRow(
  m: RunGridMachine,
  row: MachineGridRow,
  dayCount: number,
  range: { from: string; to: string },
): HTMLElement {
  const jump = lastDataDays(m.data_span, range.from, range.to);
  return h(
    'tr',
    { class: 'machine-row', 'data-machine': m.machine, 'data-span': m.data_span.state },
    h(
      'th',
      { scope: 'rowgroup', colspan: dayCount + 1 },
      h(
        'span',
        { class: 'row-head' },
        `${m.name} (${m.machine}, ${m.timezone}) · `,
        m.freshness.last_success_age_seconds === null
          ? 'no successful run yet'
          : `last success ${formatAge(m.freshness.last_success_age_seconds)}`,
        m.freshness.last_complete_day ? ` · complete up to ${m.freshness.last_complete_day}` : '',
        spanText(m.data_span),
        h(
          'span',
          { class: 'counts', 'data-counts': JSON.stringify(Object.fromEntries(row.counts)) },
          countsText(row.counts),
        ),
        jump
          ? h(
              'a',
              {
                class: 'jump',
                href: `#/pipeline?${new URLSearchParams({ machine: m.machine, from: jump.from, to: jump.to })}`,
              },
              ` · show its last ${defaultDays} days of data`,
            )
          : null,
      ),
    ),
  );
}

/** The row of days, each coloured by its status. */
function dayRow(m: RunGridMachine, row: MachineGridRow): HTMLElement {
  return h(
    'tr',
    {},
    h('th', { scope: 'col' }, 'ETL'),
    ...m.days.map((d) => {
      const status = row.dayStatus.get(d.day) ?? d.status;
      return h(
        'th',
        {
          scope: 'col',
          class: `day st-${status}`,
          'data-day': d.day,
          title: `${d.day}: ${statusName(status)}`,
        },
        d.day.slice(5),
      );
    }),
  );
}

/** One ETL's cells across the days: buttons that select the slice for re-queueing. */
function etlRow(
  m: RunGridMachine,
  etl: string,
  onSelect: (cell: Slice, extend: boolean) => void,
): HTMLElement {
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, etl),
    ...m.days.map((d) => {
      const cell = d.etls.find((c) => c.etl === etl);
      const status = shownStatus(m.data_span, d.day, cell?.status ?? 'missing');
      const slice = { machine: m.machine, etl, day: d.day };
      const tip = cellTip(slice, status, cell);
      return h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `cell st-${status}`,
            title: tip,
            'aria-label': tip.replaceAll('\n', ', '),
            'data-machine': m.machine,
            'data-etl': etl,
            'data-day': d.day,
            'data-status': status,
            onclick: (e) => onSelect(slice, (e as MouseEvent).shiftKey),
          },
          statusLetter[status] ?? '?',
        ),
      );
    }),
  );
}

/** The key of the cells' letters and colours. */
function statusLegend(): HTMLElement {
  return h(
    'p',
    { class: 'legend' },
    ...Object.entries(statusLetter).map(([s, letter]) =>
      h('span', {}, h('i', { class: `swatch st-${s}` }, letter), statusName(s)),
    ),
  );
}

/**
 * Puts a selected cell in the re-queue form; with `extend` (Shift) and the same machine, widens the
 * form's range to it (every ETL when the ETLs differ).
 */
function selectCells(f: RequeueFields, cell: Slice, extend: boolean): void {
  if (extend && f.machine.value === cell.machine) {
    const ends = [f.from.value, f.to.value, cell.day].sort();
    f.from.value = ends[0] as string;
    f.to.value = ends[2] as string;
    if (f.etl.value !== cell.etl) f.etl.value = 'all';
  } else {
    f.machine.value = cell.machine;
    f.etl.value = cell.etl;
    f.from.value = cell.day;
    f.to.value = cell.day;
  }
  f.summary.textContent = `Selected: ${f.machine.value}, ${f.etl.value === 'all' ? 'every ETL' : f.etl.value}, ${f.from.value} to ${f.to.value}`;
}

function signIn(onChange: (signedIn: boolean) => void): HTMLElement {
  const message = h(
    'p',
    { class: 'sign-in-state', 'aria-live': 'polite' },
    session ? `Signed in as ${session.user}.` : 'Sign in with the admin credentials to re-queue days.',
  );
  const user = h('input', { id: 'admin-user', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'admin-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const form = h(
    'form',
    {
      class: 'controls sign-in',
      onsubmit: async (e) => {
        e.preventDefault();
        const candidate = { user: user.value, password: password.value };
        message.textContent = 'Signing in…';
        delete message.dataset.signedIn;
        try {
          const answer = await getJson<AdminSession>('/admin/session', {
            headers: adminHeaders(candidate),
          });
          session = candidate;
          message.textContent = answer.queues
            ? `Signed in as ${answer.user}.`
            : `Signed in as ${answer.user}, but re-queueing needs Redis, which this API runs without.`;
          message.dataset.signedIn = 'true';
          form.hidden = true;
          onChange(answer.queues);
        } catch (error) {
          session = null;
          const status = (error as ApiError).status;
          message.textContent =
            status === 401
              ? 'Wrong user name or password.'
              : status === 404
                ? 'The admin surface is off on this server (ADMIN_USER and ADMIN_PASSWORD are not set).'
                : `Cannot sign in: ${(error as Error).message}`;
          message.dataset.signedIn = 'false';
          onChange(false);
        }
      },
    },
    h('label', { class: 'field' }, h('span', {}, 'User'), user),
    h('label', { class: 'field' }, h('span', {}, 'Password'), password),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  return h('div', {}, message, session ? null : form);
}

type RequeueFields = ReturnType<typeof requeueForm>['fields'];

function requeueForm(machineIds: string[], etls: string[], machine: string, from: string, to: string) {
  const fields = {
    machine: h(
      'select',
      { id: 'rq-machine', name: 'machine' },
      ...machineIds.map((id) => h('option', { value: id, selected: id === machine }, id)),
    ),
    etl: h(
      'select',
      { id: 'rq-etl', name: 'etl' },
      h('option', { value: 'all' }, 'all ETLs'),
      ...etls.map((e) => h('option', { value: e }, e)),
    ),
    from: h('input', { id: 'rq-from', name: 'from', type: 'date', value: from, required: true }),
    to: h('input', { id: 'rq-to', name: 'to', type: 'date', value: to, required: true }),
    summary: h(
      'p',
      { class: 'selection', 'aria-live': 'polite' },
      'Select cells in the grid, or fill in the fields.',
    ),
  };
  const submit = h('button', { type: 'submit', disabled: !session }, 'Re-queue');
  const result = h('div', { class: 'requeue-result', 'aria-live': 'polite' });
  const element = h(
    'form',
    {
      class: 'controls requeue',
      onsubmit: async (e) => {
        e.preventDefault();
        if (!session) return;
        result.replaceChildren(note('Queueing…'));
        try {
          const body = {
            machine: fields.machine.value,
            etl: fields.etl.value,
            from: fields.from.value,
            to: fields.to.value,
          };
          const answer = await getJson<RequeueResult>('/admin/requeue', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', ...adminHeaders(session) },
            body: JSON.stringify(body),
          });
          result.dataset.jobs = answer.jobs.map((j) => j.job_id).join(' ');
          result.replaceChildren(
            note(
              `Queued ${answer.jobs.length} job(s): ${Object.entries(answer.counts)
                .map(([k, n]) => `${n} ${k}`)
                .join(', ')}. The workers run them; refresh to see the grid change.`,
              'info',
            ),
          );
        } catch (error) {
          result.replaceChildren(note(`Re-queue failed: ${(error as Error).message}`, 'error'));
        }
      },
    },
    fields.summary,
    h('label', { class: 'field' }, h('span', {}, 'Machine'), fields.machine),
    h('label', { class: 'field' }, h('span', {}, 'ETL'), fields.etl),
    h('label', { class: 'field' }, h('span', {}, 'From'), fields.from),
    h('label', { class: 'field' }, h('span', {}, 'To'), fields.to),
    submit,
    result,
  );
  return {
    element,
    fields,
    setSignedIn: (signedIn: boolean) => {
      submit.disabled = !signedIn;
    },
  };
}
