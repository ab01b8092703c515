import { z } from 'zod';
import { strictObject } from './strict-object.ts';

/**
 * Signal profiles map the roles an aggregate needs (state, program, temperature sensors, alarms,
 * motors) to raw variable *names*; ids are resolved per machine when a job starts (DOMAIN §2).
 * A profile is data, so a site can define its own in the machines file without code.
 */

const variableName = z.string().trim().min(1, 'must be a non-empty variable name');

/** The machine's run state, or the original's gap method for machines without a state signal. */
export const stateRoleSchema = z.discriminatedUnion('method', [
  strictObject({
    method: z.literal('state'),
    variable: variableName,
    /** Values that mean "running": numbers for a float signal, strings for a string one. Any other valid value is idle. */
    runningValues: z.array(z.union([z.number(), z.string()])).min(1),
  }),
  strictObject({
    method: z.literal('gap'),
    /** A session ends at a gap strictly greater than this many seconds between log rows. */
    gapSeconds: z.number().positive().default(600),
  }),
]);

export const programRoleSchema = strictObject({
  variable: variableName,
  /** For a float program signal: valid when min <= value < max (then rounded to an integer). */
  min: z.number().default(0),
  max: z.number().default(1000),
});

export const temperatureSensorSchema = strictObject({
  variable: variableName,
  /** Raw value x scale = degrees (the logger stores °C x 100, so 0.01). */
  scale: z.number().positive().default(1),
  /** The logger writes 0 when a reading is missing. */
  zeroIsMissing: z.boolean().default(true),
});

export const alarmRoleSchema = strictObject({
  format: z.enum(['json-snapshot', 'mtconnect-condition']),
  /** Alarm variables by name... */
  variables: z.array(variableName).default([]),
  /** ...and/or every variable of this datatype (MTConnect: `mtconnect.Condition`). */
  datatype: z.string().min(1).optional(),
}).refine((a) => a.variables.length > 0 || a.datatype !== undefined, {
  message: 'name at least one variable or a datatype',
});

export const motorSchema = strictObject({
  variable: variableName,
  ratedKw: z.number().positive(),
});

export const profileSchema = strictObject({
  state: stateRoleSchema.nullable().default(null),
  program: programRoleSchema.nullable().default(null),
  temperature: z.array(temperatureSensorSchema).default([]),
  alarms: alarmRoleSchema.nullable().default(null),
  motors: z.array(motorSchema).default([]),
});

/**
 * Per-machine overrides: any role given here replaces that role of the named profile wholesale; `null`
 * switches a role off. Built without defaults on purpose: zod 4 applies a field's default inside
 * `.optional()`, so `profileSchema.partial()` would turn `{ motors }` into "motors, and every other
 * role reset to none".
 */
export const signalsOverrideSchema = strictObject({
  state: stateRoleSchema.nullable().optional(),
  program: programRoleSchema.nullable().optional(),
  temperature: z.array(temperatureSensorSchema).optional(),
  alarms: alarmRoleSchema.nullable().optional(),
  motors: z.array(motorSchema).optional(),
});

export type StateRole = z.infer<typeof stateRoleSchema>;
export type ProgramRole = z.infer<typeof programRoleSchema>;
export type TemperatureSensor = z.infer<typeof temperatureSensorSchema>;
export type AlarmRole = z.infer<typeof alarmRoleSchema>;
export type Motor = z.infer<typeof motorSchema>;
export type Profile = z.infer<typeof profileSchema>;
export type SignalsOverride = z.infer<typeof signalsOverrideSchema>;

/** The two built-in profiles of DOMAIN §2. */
export const builtInProfiles = {
  logger: profileSchema.parse({
    state: { method: 'state', variable: 'MACHINE_IN_OPERATION', runningValues: [255] },
    program: { variable: 'PROG_STATUS', min: 0, max: 1000 },
    temperature: [{ variable: 'TEMPERATURA_BASE', scale: 0.01, zeroIsMissing: true }],
    alarms: { format: 'json-snapshot', variables: ['ALARMS'] },
    motors: [
      { variable: 'AXIS_X_MOTOR_UTILIZACION', ratedKw: 15.1 },
      { variable: 'AXIS_Y_MOTOR_UTILIZATION', ratedKw: 15.1 },
      { variable: 'AXIS_Z_MOTOR_UTILIZACION', ratedKw: 15.71 },
      { variable: 'SPINDLE_LOAD_1', ratedKw: 37 },
    ],
  }),
  mtconnect: profileSchema.parse({
    state: { method: 'state', variable: 'execution', runningValues: ['ACTIVE'] },
    program: { variable: 'program' },
    temperature: [{ variable: 'Stemp', scale: 1, zeroIsMissing: true }],
    alarms: { format: 'mtconnect-condition', datatype: 'mtconnect.Condition' },
    // `Sload` has no universal rating: a machine sets its motors (with ratedKw) in `signals`.
    motors: [],
  }),
} satisfies Record<string, Profile>;
