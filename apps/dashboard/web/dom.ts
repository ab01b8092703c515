// A few DOM helpers: the page is plain TypeScript, no framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/**
 * Creates an element: attributes (`on<event>` functions become listeners; `false`/`null` are left
 * out) and children (strings become text).
 *
 * @example
 * h('button', { type: 'button', onclick: () => go() }, 'Go');
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
  return el;
}

/** A message in place of a chart or a view: never a blank area. */
export function note(text: string, kind: 'empty' | 'error' | 'info' = 'info'): HTMLElement {
  return h('p', { class: `note ${kind}`, role: kind === 'error' ? 'alert' : null, 'data-state': kind }, text);
}

/** Formats a number with a fixed number of decimals (the table shows it; `data-value` keeps it exact). */
export function fixed(value: number | null, decimals: number): string {
  return value === null ? '–' : value.toFixed(decimals);
}

/**
 * The data beside a chart as an accessible table: each numeric cell keeps its exact value in
 * `data-value`, so a reader (or a test) gets the served number, not a rounded one.
 */
export function dataTable(
  name: string,
  caption: string,
  headers: string[],
  rows: Array<Array<string | { value: number | null; decimals: number }>>,
  open = false,
): HTMLElement {
  const table = h(
    'table',
    { class: 'data', 'data-table': name },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...rows.map((row) =>
        h(
          'tr',
          {},
          ...row.map((cell) =>
            typeof cell === 'string'
              ? h('td', {}, cell)
              : h(
                  'td',
                  { class: 'num', 'data-value': cell.value === null ? 'null' : String(cell.value) },
                  fixed(cell.value, cell.decimals),
                ),
          ),
        ),
      ),
    ),
  );
  const details = h('details', { class: 'table-wrap' }, h('summary', {}, 'Data table'), table);
  if (open) details.open = true;
  return details;
}

/** A titled panel. */
export function panel(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

/**
 * "Machines 51–100 of 200" with previous and next page links (`href` from `hrefOf`), for views that
 * page through many machines.
 */
export function pager(
  what: string,
  page: { page: number; pages: number; pageSize: number; total: number },
  hrefOf: (page: number) => string,
): HTMLElement {
  const first = page.total === 0 ? 0 : Math.min(page.total, (page.page - 1) * page.pageSize + 1);
  const last = Math.min(page.total, page.page * page.pageSize);
  const link = (label: string, target: number, rel: string) =>
    target >= 1 && target <= page.pages && target !== page.page
      ? h('a', { class: 'button-link', href: hrefOf(target), rel, 'data-page': target }, label)
      : h('span', { class: 'button-link disabled', 'aria-disabled': 'true' }, label);
  return h(
    'nav',
    { class: 'pager', 'aria-label': `${what} pages`, 'data-page': page.page, 'data-pages': page.pages },
    link('◀ Previous', page.page - 1, 'prev'),
    h(
      'span',
      { class: 'pager-range', 'aria-live': 'polite' },
      page.total === 0
        ? `No ${what.toLowerCase()}`
        : `${what} ${first}–${last} of ${page.total} · page ${page.page} of ${Math.max(1, page.pages)}`,
    ),
    link('Next ▶', page.page + 1, 'next'),
  );
}
