import type { DataStatus, Machine } from '@mm/api-contract';
import { getJson, query } from './api.ts';
import { h } from './dom.ts';
import { isCalendarDate } from './time.ts';

/** What every view shares: the machine list (fetched once) and each machine's aggregated span. */
export interface Context {
  machines: Machine[];
  machine(id: string | null | undefined): Machine;
  dataStatus(id: string): Promise<DataStatus>;
}

export async function loadContext(): Promise<Context> {
  const machines = await getJson<Machine[]>('/api/v2/machines');
  return {
    machines,
    machine: (id) => machines.find((m) => m.id === id) ?? (machines[0] as Machine),
    dataStatus: (id) => getJson<DataStatus>(`/api/v1/data_status?${query({ machine: id })}`),
  };
}

/** A labelled `<select>` of the machines. */
export function machinePicker(
  ctx: Context,
  selected: string,
  onChange: (id: string) => void,
  extra?: { value: string; label: string },
): HTMLElement {
  const select = h(
    'select',
    { id: 'machine', name: 'machine', onchange: (e) => onChange((e.target as HTMLSelectElement).value) },
    ...(extra ? [h('option', { value: extra.value, selected: selected === extra.value }, extra.label)] : []),
    ...ctx.machines.map((m) =>
      h('option', { value: m.id, selected: m.id === selected }, `${m.name} (${m.id})`),
    ),
  );
  return h('label', { class: 'field' }, h('span', {}, 'Machine'), select);
}

/** A labelled date input. */
export function dateField(
  id: string,
  label: string,
  value: string,
  bounds: { min?: string | null; max?: string | null },
  onChange: (day: string) => void,
): HTMLElement {
  const input = h('input', {
    type: 'date',
    id,
    name: id,
    value,
    min: bounds.min ?? null,
    max: bounds.max ?? null,
    required: true,
    onchange: (e) => {
      const v = (e.target as HTMLInputElement).value;
      if (isCalendarDate(v)) onChange(v);
    },
  });
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

/** What a machine's energy figures are estimated from (its profile's motors), said under the chart. */
export function energySourceText(machine: Machine): HTMLElement {
  const motors = machine.motors.map((m) => `${m.variable} at ${m.rated_kw} kW rated`).join(', ');
  return h(
    'p',
    { class: 'muted small', 'data-note': 'energy-source' },
    machine.motors.length === 0
      ? 'This machine’s profile maps no motor: no energy figures.'
      : `Estimated from motor load, not metered: ${motors} (load % × rated power × time).`,
  );
}
