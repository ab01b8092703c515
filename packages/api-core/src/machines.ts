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

/** The sensor name the original dashboards always ask for (the logger profile's). */
export const v1SensorName = 'TEMPERATURA_BASE';

/**
 * The temperature sensor a request is about: `sensor_name` when given (it must be one of the
 * machine's profile's temperature sensors), else the profile's first one. With `v1` and a machine
 * that opted in (`v1Compat`), `TEMPERATURA_BASE` stands for the machine's first sensor when it has
 * none of that name: the original dashboards send it whatever the machine.
 *
 * @example
 * resolveSensor(machine, undefined); // 'TEMPERATURA_BASE' on a logger-profile machine
 * resolveSensor(mazak, 'TEMPERATURA_BASE', { v1: true }); // 'Stemp' when mazak has v1Compat
 */
export function resolveSensor(
  machine: Machine,
  name: string | undefined,
  options: { v1?: boolean } = {},
): string {
  const sensors = machine.profile.temperature.map((t) => t.variable);
  const aliased = options.v1 && machine.v1Compat && name === v1SensorName && !sensors.includes(name);
  if (name === undefined || name === '' || aliased) {
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
