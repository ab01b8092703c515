import type { Machine } from '@mm/config';
import {
  type Classify,
  floatKind,
  logsFloats,
  type RawSeries,
  rangeKind,
  sensorKind,
  stringKind,
} from './series.ts';

/** A profile role bound to a variable of the data set, with DOMAIN §1/§2's classification of its readings. */
export interface Bound {
  series: RawSeries;
  classify: Classify;
}

export interface ReferenceRoles {
  state: (Bound & { runningValues: Array<number | string> }) | null;
  program: Bound | null;
  temperature: Array<Bound & { scale: number }>;
  motors: Array<Bound & { ratedKw: number }>;
}

/**
 * Binds the machine's profile to the data set by variable name (DOMAIN §2). Alarms are not
 * modelled: the property test writes no alarm rows, so they cannot move the horizon.
 */
export function bindRoles(machine: Machine, data: RawSeries[]): ReferenceRoles {
  const byName = (name: string) => data.find((s) => s.name === name);
  const { profile } = machine;

  let state: ReferenceRoles['state'] = null;
  if (profile.state?.method === 'state') {
    const series = byName(profile.state.variable);
    if (series)
      state = {
        series,
        classify: logsFloats(series) ? floatKind : stringKind,
        runningValues: profile.state.runningValues,
      };
  }

  let program: ReferenceRoles['program'] = null;
  if (profile.program) {
    const series = byName(profile.program.variable);
    if (series)
      program = {
        series,
        classify: logsFloats(series) ? rangeKind(profile.program.min, profile.program.max) : stringKind,
      };
  }

  const temperature: ReferenceRoles['temperature'] = [];
  for (const sensor of profile.temperature) {
    const series = byName(sensor.variable);
    if (series && logsFloats(series))
      temperature.push({ series, classify: sensorKind(sensor.zeroIsMissing), scale: sensor.scale });
  }

  const motors: ReferenceRoles['motors'] = [];
  for (const motor of profile.motors) {
    const series = byName(motor.variable);
    if (series && logsFloats(series)) motors.push({ series, classify: floatKind, ratedKw: motor.ratedKw });
  }
  return { state, program, temperature, motors };
}

/** DOMAIN §3: the latest date of a valid or off reading on any mapped variable; null when none. */
export function referenceHorizon(roles: ReferenceRoles): number | null {
  const bound: Bound[] = [
    ...(roles.state ? [roles.state] : []),
    ...(roles.program ? [roles.program] : []),
    ...roles.temperature,
    ...roles.motors,
  ];
  let horizon: number | null = null;
  for (const { series, classify } of bound)
    for (const r of series.readings)
      if (classify(r.value) !== 'invalid' && (horizon === null || r.date > horizon)) horizon = r.date;
  return horizon;
}
