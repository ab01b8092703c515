import type { Machine } from '@mm/config';
import { ApiError } from './errors.ts';

/**
 * The machine a request is about: the one named by `?machine=`, else the first configured one.
 * Throws a 404 {@link ApiError} for an id that is not configured.
 *
 * @example
 * const machine = resolveMachine(config.machines, c.req.valid('query').machine);
 */
export function resolveMachine(machines: readonly Machine[], id: string | undefined): Machine {
  if (id === undefined) {
    const first = machines[0];
    if (!first) throw new ApiError(404, 'No machine is configured');
    return first;
  }
  const machine = machinesById(machines).get(id);
  if (!machine) throw new ApiError(404, `Unknown machine '${id}'`);
  return machine;
}

// The configured list never changes while the app runs: index it once, not a scan of thousands of
// machines per request.
const indexes = new WeakMap<readonly Machine[], ReadonlyMap<string, Machine>>();

/**
 * The configured machines by id (built once per list).
 *
 * @example
 * machinesById(config.machines).get('press-07')?.timezone;
 */
export function machinesById(machines: readonly Machine[]): ReadonlyMap<string, Machine> {
  let index = indexes.get(machines);
  if (!index) {
    index = new Map(machines.map((m) => [m.id, m]));
    indexes.set(machines, index);
  }
  return index;
}

/**
 * The temperature sensor a request is about: `sensor_name` when given (it must be one of the
 * machine's profile's temperature sensors), else the profile's first one.
 *
 * @example
 * resolveSensor(machine, undefined); // 'TEMPERATURA_BASE' on a logger-profile machine
 */
export function resolveSensor(machine: Machine, name: string | undefined): string {
  const sensors = machine.profile.temperature.map((t) => t.variable);
  if (name === undefined || name === '') {
    const first = sensors[0];
    if (first === undefined) throw new ApiError(404, `Machine '${machine.id}' has no temperature sensor`);
    return first;
  }
  if (!sensors.includes(name)) {
    throw new ApiError(
      404,
      `Unknown sensor '${name}' for machine '${machine.id}' (known: ${sensors.join(', ') || 'none'})`,
    );
  }
  return name;
}
