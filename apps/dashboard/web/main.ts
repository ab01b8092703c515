import { type Context, loadContext } from './context.ts';
import { note } from './dom.ts';
import { machineDayView } from './views/machine-day.ts';
import { pipelineView } from './views/pipeline.ts';
import { plantView } from './views/plant.ts';
import { rangeView } from './views/range.ts';
import type { View } from './views/view.ts';

// The page: a hash router over four views, a one-minute refresh of live views, and a re-render when
// the colour scheme changes (the canvas charts read the theme's colours when drawn).

const views: Record<string, View> = {
  plant: plantView,
  day: machineDayView,
  range: rangeView,
  pipeline: pipelineView,
};
const refreshMs = 60_000;
// A 24-hour clock, like every other time on the page.
const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const main = document.getElementById('main') as HTMLElement;
const updated = document.getElementById('updated') as HTMLElement;
let ctx: Context | null = null;
let rendering = 0;

function route(): { name: string; view: View; params: URLSearchParams } {
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const name = path in views ? path : 'plant';
  return { name, view: views[name] as View, params: new URLSearchParams(search) };
}

function go(name: string, params: Record<string, string>): void {
  const hash = `#/${name}?${new URLSearchParams(params)}`;
  // The same address fires no hashchange: a Refresh button or a repeated search still re-renders.
  if (location.hash === hash) void render('refresh');
  else location.hash = hash;
}

async function render(reason: 'navigate' | 'refresh'): Promise<void> {
  const ticket = ++rendering;
  const { name, view, params } = route();
  document.title = `${view.title} · Machine monitoring`;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.dataset.view = name;
  main.setAttribute('aria-busy', 'true');
  if (reason === 'navigate' && !main.firstElementChild?.matches('[data-loaded]'))
    main.replaceChildren(note('Loading…'));
  let content: HTMLElement;
  try {
    ctx ??= await loadContext();
    content = await view.render(ctx, params, (p) => go(name, p));
  } catch (error) {
    content = note((error as Error).message, 'error');
  }
  if (ticket !== rendering) return; // a newer navigation won
  // Keep keyboard focus across a refresh: the same control in the new content, by id.
  const focused = document.activeElement?.id;
  content.dataset.loaded = 'true';
  main.replaceChildren(content);
  if (focused) {
    const control = document.getElementById(focused);
    control?.focus();
    // A search box re-rendered while typing keeps its caret at the end of the text.
    if (control instanceof HTMLInputElement && control.type === 'search') {
      control.setSelectionRange(control.value.length, control.value.length);
    }
  }
  main.setAttribute('aria-busy', 'false');
  main.dataset.ready = String(ticket);
  if (performance.getEntriesByName('first-view').length === 0) performance.mark('first-view');
  updated.textContent = `Updated ${clock.format(new Date())}`;
}

window.addEventListener('hashchange', () => void render('navigate'));
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => void render('refresh'));
setInterval(() => {
  const { view, params } = route();
  if (ctx && view.live(ctx, params) && document.visibilityState === 'visible') void render('refresh');
}, refreshMs);
void render('navigate');
