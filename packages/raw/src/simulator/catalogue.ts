import type { FloatDatatype, StringDatatype } from '@mm/db';

/**
 * The variables the `logger` profile maps (DOMAIN §2), with the datatypes the vendor logger uses.
 * Shared by the builder's `logger()` and the simulator so both write the same names.
 */
export const loggerVariables = {
  state: { name: 'MACHINE_IN_OPERATION', datatype: 'java.lang.Integer' },
  program: { name: 'PROG_STATUS', datatype: 'java.lang.Integer' },
  temperature: { name: 'TEMPERATURA_BASE', datatype: 'java.lang.Integer' },
  alarms: { name: 'ALARMS', datatype: 'java.lang.String' },
  motorX: { name: 'AXIS_X_MOTOR_UTILIZACION', datatype: 'java.lang.Double' },
  motorY: { name: 'AXIS_Y_MOTOR_UTILIZATION', datatype: 'java.lang.Double' },
  motorZ: { name: 'AXIS_Z_MOTOR_UTILIZACION', datatype: 'java.lang.Double' },
  spindle: { name: 'SPINDLE_LOAD_1', datatype: 'java.lang.Double' },
} as const satisfies Record<string, { name: string; datatype: FloatDatatype | StringDatatype }>;

/** An alarm the simulated control can raise; `kind` decides when (see machine.ts). */
export interface AlarmSpec {
  code: string;
  description: string;
  /** The two small integers real snapshots carry (class and priority, as far as we can tell). */
  a: number;
  b: number;
  kind: 'door' | 'close-door' | 'feed-zero' | 'file' | 'fault' | 'emergency' | 'warning';
  /** Relative frequency within its kind. */
  weight: number;
  /** A fault or emergency stops the machine for [min, max] minutes. */
  stopMinutes?: [number, number];
}

/**
 * Alarms in the style of the real logs (DOMAIN §5.4): Spanish, double spaces and quotes kept, PLC
 * codes `PLCnnnnn` and NC codes `nnn-nnnn`. Severity words (Emergencia, Error, Fallo, Atención,
 * Aviso, Alarma) are spread so every severity class occurs, and `CERRAR` appears in one that is
 * not an error.
 */
export const alarmCatalogue: readonly AlarmSpec[] = [
  { code: 'PLC00010', description: 'Puerta  abierta!', a: 3, b: 3, kind: 'door', weight: 1 },
  {
    code: 'PLC00011',
    description: 'CERRAR puerta para iniciar ciclo',
    a: 3,
    b: 3,
    kind: 'close-door',
    weight: 1,
  },
  { code: 'PLC00054', description: 'Poti Avance = 0 !', a: 3, b: 3, kind: 'feed-zero', weight: 1 },
  { code: '250-1398', description: 'Imposible acceder al fichero', a: 1, b: 2, kind: 'file', weight: 3 },
  {
    code: '250-1402',
    description: 'Programa "O%s" no encontrado en memoria',
    a: 1,
    b: 2,
    kind: 'file',
    weight: 1,
  },
  {
    code: 'PLC00001',
    description: 'Emergencia pulsada',
    a: 3,
    b: 1,
    kind: 'emergency',
    weight: 3,
    stopMinutes: [1, 6],
  },
  {
    code: 'PLC00002',
    description: 'EMERGENCIA  externa activa (cadena de seguridad)',
    a: 3,
    b: 1,
    kind: 'emergency',
    weight: 1,
    stopMinutes: [2, 12],
  },
  {
    code: 'PLC00120',
    description: 'Fallo presión aire comprimido',
    a: 3,
    b: 2,
    kind: 'fault',
    weight: 3,
    stopMinutes: [3, 25],
  },
  {
    code: 'PLC00121',
    description: 'Fallo lubricación guías',
    a: 3,
    b: 2,
    kind: 'fault',
    weight: 2,
    stopMinutes: [5, 40],
  },
  {
    code: 'PLC00130',
    description: 'Error térmico motor bomba refrigerante',
    a: 3,
    b: 2,
    kind: 'fault',
    weight: 2,
    stopMinutes: [5, 30],
  },
  {
    code: '300-0510',
    description: 'Fallo encoder cabezal S1',
    a: 1,
    b: 2,
    kind: 'fault',
    weight: 1,
    stopMinutes: [10, 60],
  },
  {
    code: '250-1020',
    description: 'Error de sintaxis en bloque N%s',
    a: 1,
    b: 2,
    kind: 'fault',
    weight: 2,
    stopMinutes: [2, 15],
  },
  {
    code: '100-0021',
    description: 'Límite software eje X+',
    a: 1,
    b: 2,
    kind: 'fault',
    weight: 2,
    stopMinutes: [1, 8],
  },
  {
    code: '100-0023',
    description: 'Limite  software eje Z-',
    a: 1,
    b: 2,
    kind: 'fault',
    weight: 1,
    stopMinutes: [1, 8],
  },
  {
    code: 'PLC00300',
    description: 'Pieza no sujeta "garra 2"',
    a: 3,
    b: 3,
    kind: 'fault',
    weight: 2,
    stopMinutes: [1, 10],
  },
  {
    code: 'PLC00200',
    description: 'Atención: nivel de taladrina bajo',
    a: 3,
    b: 4,
    kind: 'warning',
    weight: 3,
  },
  {
    code: 'PLC00201',
    description: 'Aviso mantenimiento: cambiar filtro hidráulico',
    a: 3,
    b: 4,
    kind: 'warning',
    weight: 2,
  },
  {
    code: 'PLC00077',
    description: 'Alarma temperatura armario eléctrico',
    a: 3,
    b: 4,
    kind: 'warning',
    weight: 2,
  },
  { code: '900-0001', description: 'Atencion  batería CNC baja', a: 1, b: 4, kind: 'warning', weight: 1 },
  // An empty code: the alarm's identity is then its description (DOMAIN §5.4).
  { code: '', description: 'Vida herramienta T12 agotada', a: 0, b: 4, kind: 'warning', weight: 1 },
];

/**
 * The fifth integer of a real snapshot element is the code read as hex with a class prefix:
 * `PLC00054` → 0x03000036 (50331702), `250-1398` → 0x02501398 (38802328).
 */
export function alarmNumber(code: string): number {
  const plc = /^PLC(\d+)$/.exec(code);
  if (plc) return 0x03000000 + Number(plc[1]);
  const nc = /^(\d{3})-(\d{4})$/.exec(code);
  if (nc) return Number.parseInt(`${nc[1]}${nc[2]}`, 16);
  return 0;
}

/** How a noise variable behaves; see signals.ts. Periods are at volume 1 and shrink as it grows. */
export type NoiseSpec =
  | {
      kind: 'analog';
      name: string;
      datatype: FloatDatatype;
      periodMs: number;
      /** Level while running, while idle (powered), and the noise around it. */
      running: number;
      idle: number;
      noise: number;
      /** Resolution of the logged value. */
      step: number;
      /** Seconds to settle after the phase changes. */
      tauS: number;
    }
  | { kind: 'position'; name: string; periodMs: number; min: number; max: number }
  | { kind: 'held'; name: string; datatype: FloatDatatype; holdS: [number, number]; values: number[] }
  | { kind: 'constant'; name: string; datatype: FloatDatatype | 'java.lang.String'; value: number | string }
  | { kind: 'door'; name: string }
  | { kind: 'mode'; name: string }
  | { kind: 'program-name'; name: string }
  | { kind: 'counter'; name: string }
  | { kind: 'tool'; name: string }
  | { kind: 'block'; name: string; periodMs: number };

const analog = (
  name: string,
  periodMs: number,
  running: number,
  idle: number,
  noise: number,
  step: number,
  tauS = 60,
  datatype: FloatDatatype = 'java.lang.Double',
): NoiseSpec => ({ kind: 'analog', name, datatype, periodMs, running, idle, noise, step, tauS });

/**
 * The other variables a real logger records, which the aggregates never read but which make up
 * most of a raw database's volume. Tuned so that, with the core signals, a two-shift working day
 * at volume 1 writes about 360 k rows (a real logger plant writes 330–390 k).
 */
export const noiseCatalogue: readonly NoiseSpec[] = [
  { kind: 'position', name: 'AXIS_X_POSITION', periodMs: 3000, min: -250, max: 250 },
  { kind: 'position', name: 'AXIS_Y_POSITION', periodMs: 3000, min: -200, max: 200 },
  { kind: 'position', name: 'AXIS_Z_POSITION', periodMs: 3000, min: -400, max: 50 },
  { kind: 'position', name: 'AXIS_B_POSITION', periodMs: 10_000, min: 0, max: 360 },
  analog('SPINDLE_SPEED', 5000, 4200, 0, 180, 1, 5),
  analog('SPINDLE_SPEED_COMMAND', 10_000, 4200, 0, 60, 10, 5),
  analog('FEED_RATE', 5000, 1800, 0, 120, 1, 5),
  analog('AXIS_X_FOLLOWING_ERROR', 8000, 0.012, 0.001, 0.004, 0.001, 5),
  analog('AXIS_Y_FOLLOWING_ERROR', 8000, 0.011, 0.001, 0.004, 0.001, 5),
  analog('AXIS_Z_FOLLOWING_ERROR', 8000, 0.015, 0.001, 0.005, 0.001, 5),
  analog('CURRENT_L1', 6000, 38, 9, 2.5, 0.1, 20),
  analog('CURRENT_L2', 6000, 37, 9, 2.5, 0.1, 20),
  analog('CURRENT_L3', 6000, 39, 9, 2.5, 0.1, 20),
  analog('VOLTAGE_L1', 10_000, 398, 401, 1.5, 0.5, 30),
  analog('VOLTAGE_L2', 10_000, 399, 402, 1.5, 0.5, 30),
  analog('VOLTAGE_L3', 10_000, 397, 400, 1.5, 0.5, 30),
  analog('POWER_ACTIVE_KW', 6000, 24, 5.5, 1.8, 0.01, 20),
  analog('POWER_FACTOR', 20_000, 0.86, 0.62, 0.02, 0.01, 60),
  analog('HYDRAULIC_PRESSURE', 15_000, 62, 58, 0.8, 0.1, 30),
  analog('AIR_PRESSURE', 15_000, 6.1, 6.3, 0.08, 0.01, 120),
  analog('COOLANT_PRESSURE', 12_000, 18, 0, 0.6, 0.1, 10),
  analog('COOLANT_FLOW', 12_000, 42, 0, 1.2, 0.1, 10),
  analog('TEMPERATURA_HUSILLO', 10_000, 3450, 2850, 12, 1, 900, 'java.lang.Integer'),
  analog('TEMPERATURA_REFRIGERANTE', 20_000, 2480, 2300, 8, 1, 1800, 'java.lang.Integer'),
  analog('TEMPERATURA_ARMARIO', 30_000, 3120, 2900, 6, 1, 2400, 'java.lang.Integer'),
  analog('TEMPERATURA_HIDRAULICO', 20_000, 4100, 3600, 10, 1, 1800, 'java.lang.Integer'),
  analog('VIBRATION_SPINDLE_RMS', 8000, 1.8, 0.15, 0.35, 0.01, 3),
  analog('CHIP_CONVEYOR_CURRENT', 15_000, 2.1, 0, 0.2, 0.1, 5),
  analog('LUBRICATION_LEVEL', 60_000, 71, 71, 0.3, 1, 3600),
  analog('COOLANT_LEVEL', 60_000, 64, 64, 0.4, 1, 3600),
  {
    kind: 'held',
    name: 'FEED_OVERRIDE',
    datatype: 'java.lang.Integer',
    holdS: [300, 5400],
    values: [80, 90, 100, 100, 100, 110, 120],
  },
  {
    kind: 'held',
    name: 'SPINDLE_OVERRIDE',
    datatype: 'java.lang.Integer',
    holdS: [600, 7200],
    values: [90, 100, 100, 100, 110],
  },
  {
    kind: 'held',
    name: 'RAPID_OVERRIDE',
    datatype: 'java.lang.Integer',
    holdS: [1800, 14_400],
    values: [25, 50, 100, 100],
  },
  {
    kind: 'held',
    name: 'OPERATION_MODE_CODE',
    datatype: 'java.lang.Short',
    holdS: [900, 7200],
    values: [1, 2, 2, 2, 3],
  },
  { kind: 'door', name: 'DOOR_OPEN' },
  { kind: 'mode', name: 'MODE' },
  { kind: 'program-name', name: 'PROGRAM_NAME' },
  { kind: 'counter', name: 'PIECE_COUNTER' },
  { kind: 'tool', name: 'TOOL_NUMBER' },
  { kind: 'block', name: 'EXECUTION_BLOCK', periodMs: 4000 },
  { kind: 'constant', name: 'CNC_SOFTWARE_VERSION', datatype: 'java.lang.String', value: 'V04.07.02 SP3' },
  {
    kind: 'constant',
    name: 'PLC_PROJECT_VERSION',
    datatype: 'java.lang.String',
    value: 'Linea3_Fresa_v2.14',
  },
  { kind: 'constant', name: 'MACHINE_SERIAL', datatype: 'java.lang.String', value: 'IX-100-2019-0417' },
  { kind: 'constant', name: 'AXIS_COUNT', datatype: 'java.lang.Short', value: 5 },
  // A PLC data block dump: words that change now and then, as loggers configured "log everything" do.
  ...Array.from(
    { length: 48 },
    (_, i): NoiseSpec => ({
      kind: 'held',
      name: `PLC_DB100_DBW${String(i * 2).padStart(3, '0')}`,
      datatype: i % 3 === 0 ? 'java.lang.Boolean' : 'java.lang.Integer',
      holdS: [120 + i * 40, 3600 + i * 300],
      values: i % 3 === 0 ? [0, 1] : [0, 1, 2, 4, 8, 16, 32, 64, 128, 256 + i],
    }),
  ),
];
