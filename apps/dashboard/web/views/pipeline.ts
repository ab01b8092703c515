import type { AdminSession, RequeueResult, RunGrid } from '@mm/api-contract';
import { type ApiError, getJson, query } from '../api.ts';
import { dateField, machinePicker } from '../context.ts';
import { h, note, pager, panel } from '../dom.ts';
import { addDays, daysBetween, formatAge, localDay } from '../time.ts';
import type { View } from './view.ts';

/** The API answers at most this many (machine x ETL x day) cells per request. */
const maxCells = 2000;
/** The API's longest range. */
const maxDays = 366;
/** Machines per page, fewer when the range is long (each machine's row is 5 x days cells). */
const machinesPerPage = 20;
const defaultDays = 14;
const statusLetter: Record<string, string> = {
  complete: '✓',
  partial: 'P',
  failed: '✗',
  stale: 'S',
  missing: '·',
  running: 'R',
  nodata: '–',
};
const statusName = (status: string) => (status === 'nodata' ? 'no data' : status);

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
    const here = (p: Record<string, string>) => go({ machine: selected, from, to, ...p });
    const hrefOf = (p: number) =>
      `#/pipeline?${new URLSearchParams({ machine: selected, from, to, page: String(p) })}`;

    const root = h('div', { class: 'view-pipeline' });
    root.append(
      h('h1', {}, 'Pipeline'),
      h(
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
      ),
    );
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
    const pageSize = Math.max(1, Math.min(machinesPerPage, Math.floor(maxCells / (5 * days.length))));
    let grid: RunGrid;
    try {
      grid = await getJson<RunGrid>(
        `/api/v2/runs?${query({
          from,
          to,
          machine: selected === 'all' ? undefined : selected,
          page: String(page),
          page_size: String(pageSize),
        })}`,
      );
    } catch (error) {
      root.append(note((error as Error).message, 'error'));
      return root;
    }
    const paging = {
      page: grid.page,
      pages: grid.pages,
      pageSize: grid.page_size,
      total: grid.total_machines,
    };

    const form = requeueForm(
      ctx.machines.map((m) => m.id),
      grid.etls,
      machines[0]?.id ?? '',
      from,
      to,
    );
    const select = (machine: string, etl: string, day: string, extend: boolean) => {
      const f = form.fields;
      if (extend && f.machine.value === machine) {
        const ends = [f.from.value, f.to.value, day].sort();
        f.from.value = ends[0] as string;
        f.to.value = ends[2] as string;
        if (f.etl.value !== etl) f.etl.value = 'all';
      } else {
        f.machine.value = machine;
        f.etl.value = etl;
        f.from.value = day;
        f.to.value = day;
      }
      f.summary.textContent = `Selected: ${f.machine.value}, ${f.etl.value === 'all' ? 'every ETL' : f.etl.value}, ${f.from.value} to ${f.to.value}`;
    };

    // The caption stands above the scrolling grid, where it stays readable on a narrow screen.
    const caption = h(
      'p',
      { class: 'grid-caption', id: 'runs-caption' },
      `Run ledger ${grid.from} to ${grid.to}. Select a cell (Shift to extend the range) to re-queue it.`,
    );
    const table = h('table', { class: 'grid', 'data-table': 'runs', 'aria-labelledby': 'runs-caption' });
    for (const m of grid.machines) {
      const span = m.data_span;
      // Days outside the recorded span have no raw data: nothing to run, so not "missing".
      const hasData = (day: string) =>
        span.state === 'unknown' ||
        (span.state === 'recorded' && day >= (span.first_day ?? day) && day <= (span.last_day ?? day));
      const shown = (day: string, status: string) =>
        status === 'missing' && !hasData(day) ? 'nodata' : status;
      const counts = new Map<string, number>();
      const dayStatus = new Map<string, string>();
      for (const d of m.days) {
        const statuses = d.etls.map((c) => shown(d.day, c.status));
        for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
        dayStatus.set(d.day, statuses.every((s) => s === 'nodata') ? 'nodata' : d.status);
      }
      const spanText =
        span.state === 'recorded'
          ? ` · data ${span.first_day} to ${span.last_day}`
          : span.state === 'no_readings'
            ? ' · no raw data'
            : ' · data span not read yet';
      const outside =
        span.state === 'recorded' && span.last_day && (span.last_day < from || (span.first_day ?? '') > to);
      table.append(
        h(
          'tr',
          { class: 'machine-row', 'data-machine': m.machine, 'data-span': span.state },
          h(
            'th',
            { scope: 'rowgroup', colspan: days.length + 1 },
            h(
              'span',
              { class: 'row-head' },
              `${m.name} (${m.machine}, ${m.timezone}) · `,
              m.freshness.last_success_age_seconds === null
                ? 'no successful run yet'
                : `last success ${formatAge(m.freshness.last_success_age_seconds)}`,
              m.freshness.last_complete_day ? ` · complete up to ${m.freshness.last_complete_day}` : '',
              spanText,
              h(
                'span',
                { class: 'counts', 'data-counts': JSON.stringify(Object.fromEntries(counts)) },
                ` · ${[...counts]
                  .filter(([, n]) => n > 0)
                  .map(([s, n]) => `${n} ${statusName(s)}`)
                  .join(', ')}`,
              ),
              outside && span.last_day
                ? h(
                    'a',
                    {
                      class: 'jump',
                      href: `#/pipeline?${new URLSearchParams({ machine: m.machine, from: addDays(span.last_day, -(defaultDays - 1)), to: span.last_day })}`,
                    },
                    ` · show its last ${defaultDays} days of data`,
                  )
                : null,
            ),
          ),
        ),
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'ETL'),
          ...m.days.map((d) => {
            const status = dayStatus.get(d.day) ?? d.status;
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
        ),
      );
      for (const etl of grid.etls) {
        table.append(
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, etl),
            ...m.days.map((d) => {
              const cell = d.etls.find((c) => c.etl === etl);
              const status = shown(d.day, cell?.status ?? 'missing');
              const tip = [
                `${m.machine} · ${etl} · ${d.day}: ${statusName(status)}`,
                cell?.error ? `reason: ${cell.error}` : null,
                cell?.finished_at
                  ? `finished ${cell.finished_at}`
                  : cell?.started_at
                    ? `started ${cell.started_at}`
                    : null,
                cell?.attempts ? `attempts ${cell.attempts}` : null,
                cell?.rows != null ? `rows ${cell.rows}` : null,
              ]
                .filter(Boolean)
                .join('\n');
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
                    onclick: (e) => select(m.machine, etl, d.day, (e as MouseEvent).shiftKey),
                  },
                  statusLetter[status] ?? '?',
                ),
              );
            }),
          ),
        );
      }
    }
    const wrap = h('div', { class: 'grid-wrap' }, table);
    const hint = h(
      'p',
      { class: 'scroll-hint', hidden: true },
      '◀ Earlier days: scroll the grid sideways (the newest day is on the right).',
    );
    // On a narrow screen the newest day, the one most likely to need attention, is shown first.
    requestAnimationFrame(() => {
      wrap.scrollLeft = wrap.scrollWidth;
      hint.hidden = wrap.scrollWidth <= wrap.clientWidth;
    });
    root.append(
      pager('Machines', paging, hrefOf),
      caption,
      hint,
      wrap,
      h(
        'p',
        { class: 'legend' },
        ...Object.entries(statusLetter).map(([s, letter]) =>
          h('span', {}, h('i', { class: `swatch st-${s}` }, letter), statusName(s)),
        ),
      ),
      panel('Re-queue', signIn(form.setSignedIn), form.element),
    );
    return root;
  },
};

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
