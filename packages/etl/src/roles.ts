import type { AlarmRole, Machine, Motor, ProgramRole, TemperatureSensor } from '@mm/config';
import type { AlarmFormat } from './alarm-values.ts';
import {
  floatRangeReading,
  floatReading,
  type ReadingClass,
  sensorReading,
  stringReading,
} from './readings.ts';
import type { RawVariable, SignalCatalog } from './signal-catalog.ts';

/** A profile role bound to a raw variable of this machine, with how its readings are classified. */
export interface BoundSignal {
  variable: RawVariable;
  reading: ReadingClass;
}

export interface ResolvedRoles {
  /** `null` when the profile uses the gap method or the variable is missing (see warnings). */
  state: (BoundSignal & { runningValues: Array<number | string> }) | null;
  gapSeconds: number | null;
  program: (BoundSignal & { role: ProgramRole }) | null;
  temperature: Array<BoundSignal & { sensor: TemperatureSensor }>;
  alarms: { format: AlarmFormat; variables: RawVariable[] } | null;
  motors: Array<BoundSignal & { motor: Motor }>;
  /** One line per role whose variable does not exist on this machine: no rows, not a failure. */
  warnings: string[];
}

/**
 * Binds the machine's profile roles to its raw variables.
 *
 * @example
 * const roles = resolveRoles(machine, await SignalCatalog.load(raw));
 * roles.state?.variable.id; // 17
 */
export function resolveRoles(machine: Machine, catalog: SignalCatalog): ResolvedRoles {
  const { profile } = machine;
  const warnings: string[] = [];
  const lookup = (role: string, name: string): RawVariable | undefined => {
    const variable = catalog.byName(name);
    if (!variable) warnings.push(`${role}: variable '${name}' does not exist on machine '${machine.id}'`);
    return variable;
  };
  const classify = (variable: RawVariable, float: ReadingClass): ReadingClass =>
    variable.table === 'variable_log_float' ? float : stringReading;

  let state: ResolvedRoles['state'] = null;
  let gapSeconds: number | null = null;
  if (profile.state?.method === 'state') {
    const variable = lookup('state', profile.state.variable);
    if (variable)
      state = {
        variable,
        reading: classify(variable, floatReading),
        runningValues: profile.state.runningValues,
      };
  } else if (profile.state?.method === 'gap') {
    gapSeconds = profile.state.gapSeconds;
  }

  let program: ResolvedRoles['program'] = null;
  if (profile.program) {
    const variable = lookup('program', profile.program.variable);
    const role = profile.program;
    if (variable)
      program = { variable, role, reading: classify(variable, floatRangeReading(role.min, role.max)) };
  }

  // Sensors and motors are numbers: a variable that logs strings is ignored, with a warning.
  const lookupFloat = (role: string, name: string): RawVariable | undefined => {
    const variable = lookup(role, name);
    if (variable?.table !== 'variable_log_string') return variable;
    warnings.push(`${role}: variable '${name}' logs strings, not numbers; ignored`);
    return undefined;
  };

  const temperature: ResolvedRoles['temperature'] = [];
  for (const sensor of profile.temperature) {
    const variable = lookupFloat('temperature', sensor.variable);
    if (variable) temperature.push({ variable, sensor, reading: sensorReading(sensor.zeroIsMissing) });
  }

  const alarms = resolveAlarms(profile.alarms, catalog, lookup, warnings);

  const motors: ResolvedRoles['motors'] = [];
  for (const motor of profile.motors) {
    const variable = lookupFloat('motors', motor.variable);
    if (variable) motors.push({ variable, motor, reading: floatReading });
  }

  return { state, gapSeconds, program, temperature, alarms, motors, warnings };
}

function resolveAlarms(
  role: AlarmRole | null,
  catalog: SignalCatalog,
  lookup: (role: string, name: string) => RawVariable | undefined,
  warnings: string[],
): ResolvedRoles['alarms'] {
  if (!role) return null;
  const byId = new Map<number, RawVariable>();
  for (const name of role.variables) {
    const variable = lookup('alarms', name);
    if (variable) byId.set(variable.id, variable);
  }
  if (role.datatype) {
    const typed = catalog.byDatatype(role.datatype);
    if (typed.length === 0) warnings.push(`alarms: no variable of datatype '${role.datatype}'`);
    for (const variable of typed) byId.set(variable.id, variable);
  }
  const variables = [...byId.values()].sort((a, b) => a.id - b.id);
  return variables.length > 0 ? { format: role.format, variables } : null;
}
