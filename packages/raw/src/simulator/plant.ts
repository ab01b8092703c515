import { setImmediate } from 'node:timers/promises';
import { addDays, dateProblem, lastCalendarDate } from '@mm/calendar';
import { type LogTable, logTableOf } from '@mm/db';
import { DateTime, IANAZone } from 'luxon';
import { loggerVariables, noiseCatalogue } from './catalogue.ts';
import {
  type GarbageCounts,
  garbagePerWorkingDay,
  garbageValue,
  injectGarbage,
  noGarbage,
} from './garbage.ts';
import { MachineModel } from './machine.ts';
import { hashSeed, type Rng, rngFor } from './prng.ts';
import { type PowerPeriod, powerPeriods, type Schedule, twoShiftSchedule } from './schedule.ts';
import {
  AlarmSignal,
  type Cell,
  type DayContext,
  MotorSignal,
  type NotableCounts,
  noiseSignal,
  periodAt,
  SegmentSignal,
  type Signal,
  TemperatureSignal,
  Track,
} from './signals.ts';

/** What to simulate. Only `seed`, `start` and `days` are required. */
export interface PlantOptions {
  /** Any integer: the same seed (and options) gives the same rows, byte for byte. */
  seed: number;
  /** First local day, `YYYY-MM-DD`, in `timezone`. */
  start: string;
  days: number;
  /** The machine's IANA zone: shifts follow its wall clock, DST included. Default `UTC`. */
  timezone?: string;
  /**
   * Sampling-rate multiplier of the continuous signals. 1 (the default, the ETL benchmark's size)
   * is about 360 k rows per two-shift working day with a 1 Hz TEMPERATURA_BASE; 0.01 is a few
   * thousand, for tests. Events (state, program, alarms) do not scale.
   */
  volume?: number;
  /** Distinguishes machines simulated with the same seed (programs, jitter, faults). Default 0. */
  machineIndex?: number;
  /** When the machine is powered. Default {@link twoShiftSchedule}. */
  schedule?: Schedule;
  /** Garbage multiplier: 1 (default) writes a handful of each kind per working day, 0 none. */
  garbageRate?: number;
  /** TEMPERATURA_BASE sampling period. Default 1 s at volume 1 (a 1 Hz sensor), scaled like the rest. */
  temperaturePeriodMs?: number;
}

export interface ResolvedPlantOptions extends Required<Omit<PlantOptions, 'temperaturePeriodMs'>> {
  temperaturePeriodMs: number;
}

/** A variable the simulator writes, in id order. */
export interface PlantVariable {
  name: string;
  datatype: string;
  table: LogTable;
}

/** One simulated local day, ready to write. */
export interface DayBatch {
  /** 0-based day number. */
  index: number;
  /** Local date `YYYY-MM-DD`. */
  day: string;
  /** [from, to) UTC epoch ms: 23, 24 or 25 hours. */
  from: number;
  to: number;
  poweredMs: number;
  float: FloatRows;
  string: StringRows;
  rows: number;
}

/** A day's float-log rows, column by column; a NULL value is flagged in `isNull` (its value is NaN). */
export interface FloatRows {
  length: number;
  ids: Int32Array;
  dates: Float64Array;
  /** Already float4-exact (what the `real` column will hold). */
  values: Float64Array;
  isNull: Uint8Array;
}

/** A day's string-log rows, column by column. */
export interface StringRows {
  length: number;
  ids: Int32Array;
  dates: Float64Array;
  values: Array<string | null>;
}

/** Thrown for options the simulator cannot use; the message names every problem. */
export class PlantOptionsError extends Error {
  override name = 'PlantOptionsError';
}

/**
 * Checks options and fills in defaults; throws {@link PlantOptionsError} listing every problem.
 *
 * @example
 * resolvePlantOptions({ seed: 42, start: '2024-03-01', days: 30, timezone: 'Europe/Madrid' });
 */
export function resolvePlantOptions(options: PlantOptions): ResolvedPlantOptions {
  const problems: string[] = [];
  const timezone = options.timezone ?? 'UTC';
  const volume = options.volume ?? 1;
  const machineIndex = options.machineIndex ?? 0;
  const garbageRate = options.garbageRate ?? 1;
  if (!Number.isSafeInteger(options.seed)) problems.push(`seed must be an integer, got ${options.seed}`);
  if (!IANAZone.isValidZone(timezone))
    problems.push(`timezone ${JSON.stringify(timezone)} is not an IANA zone`);
  const startProblem = dateProblem(options.start);
  if (startProblem) problems.push(`start ${startProblem.message}, got ${JSON.stringify(options.start)}`);
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 3660) {
    problems.push(`days must be an integer from 1 to 3660, got ${options.days}`);
  } else if (!startProblem && !lastDayInRange(options.start, options.days)) {
    problems.push(`the last day simulated must be on or before ${lastCalendarDate}`);
  }
  if (!(volume > 0 && volume <= 20)) problems.push(`volume must be > 0 and <= 20, got ${volume}`);
  if (!Number.isInteger(machineIndex) || machineIndex < 0) {
    problems.push(`machineIndex must be a non-negative integer, got ${machineIndex}`);
  }
  if (!(garbageRate >= 0 && garbageRate <= 1000))
    problems.push(`garbageRate must be >= 0, got ${garbageRate}`);
  const temperaturePeriodMs = options.temperaturePeriodMs ?? periodAt(1000, volume);
  if (!Number.isInteger(temperaturePeriodMs) || temperaturePeriodMs < 1) {
    problems.push(`temperaturePeriodMs must be a positive integer, got ${temperaturePeriodMs}`);
  }
  if (problems.length > 0) throw new PlantOptionsError(problems.join('; '));
  return {
    seed: options.seed,
    start: options.start,
    days: options.days,
    timezone,
    volume,
    machineIndex,
    schedule: options.schedule ?? twoShiftSchedule,
    garbageRate,
    temperaturePeriodMs,
  };
}

/** Mean motor levels (%) while cutting a job of average load, and when idle. */
const MOTORS = [
  { role: 'motorX', running: 26, idle: 2.2, idleNoise: 0.7 },
  { role: 'motorY', running: 22, idle: 1.9, idleNoise: 0.7 },
  { role: 'motorZ', running: 31, idle: 3.1, idleNoise: 0.9 },
  { role: 'spindle', running: 52, idle: 0, idleNoise: 0 },
] as const;

function buildSignals(options: ResolvedPlantOptions, seed: number, notable: NotableCounts): Signal[] {
  const rng = (name: string) => rngFor(seed, 'signal', name);
  const v = loggerVariables;
  return [
    new SegmentSignal(v.state.name, v.state.datatype, (s) => s.state),
    new SegmentSignal(v.program.name, v.program.datatype, (s) => s.program),
    new TemperatureSignal(v.temperature.name, rng(v.temperature.name), notable, options.temperaturePeriodMs),
    new AlarmSignal(v.alarms.name),
    ...MOTORS.map((m) => new MotorSignal(v[m.role].name, m, rng(v[m.role].name), notable, options.volume)),
    ...noiseCatalogue.map((spec) => noiseSignal(spec, rng(spec.name), options.volume)),
  ];
}

/**
 * The variables the simulator writes, in the order it assigns ids: the logger profile's roles
 * first, then the noise variables.
 */
export function plantVariables(): PlantVariable[] {
  const options = resolvePlantOptions({ seed: 0, start: '2000-01-01', days: 1 });
  return buildSignals(options, 0, { zeroTemperature: 0, motorAbove100: 0, motorBelow0: 0 }).map((s) => ({
    name: s.name,
    datatype: s.datatype,
    table: logTableOf(s.datatype),
  }));
}

/** Running totals of a simulation. */
export interface PlantCounts {
  floatRows: number;
  stringRows: number;
  garbage: GarbageCounts;
  notable: NotableCounts;
}

/**
 * A deterministic simulated machine for the `logger` profile (DOMAIN §2), generated one local day
 * at a time so a month streams in bounded memory. Pure: no I/O; {@link simulatePlant} writes it.
 *
 * @example
 * const plant = new Plant({ seed: 42, start: '2024-03-01', days: 3, volume: 0.01 }, ids);
 * for (const day of plant.days()) console.log(day.day, day.rows);
 */
export class Plant {
  readonly options: ResolvedPlantOptions;
  /** Power-on periods over the whole simulation (UTC epoch ms). */
  readonly powerPeriods: readonly PowerPeriod[];
  readonly counts: PlantCounts;
  /** [from, to) of the simulated local days, UTC epoch ms. */
  readonly range: { from: number; to: number };
  readonly #seed: number;
  readonly #signals: Signal[];
  readonly #ids: number[];
  readonly #machine: MachineModel;
  readonly #start: DateTime;
  #started = false;

  /** `idOf` gives each variable's id (default: 1, 2, 3… in {@link plantVariables} order). */
  constructor(options: PlantOptions, idOf: (name: string, index: number) => number = (_, i) => i + 1) {
    this.options = resolvePlantOptions(options);
    const { seed, machineIndex, timezone, start, days } = this.options;
    this.#seed = hashSeed(seed, machineIndex);
    this.counts = {
      floatRows: 0,
      stringRows: 0,
      garbage: noGarbage(),
      notable: { zeroTemperature: 0, motorAbove100: 0, motorBelow0: 0 },
    };
    this.#signals = buildSignals(this.options, this.#seed, this.counts.notable);
    this.#ids = this.#signals.map((s, i) => idOf(s.name, i));
    this.#start = DateTime.fromISO(start, { zone: timezone }).startOf('day');
    const end = this.#start.plus({ days }).startOf('day');
    this.range = { from: this.#start.toMillis(), to: end.toMillis() };
    this.powerPeriods = powerPeriods(
      this.options.schedule,
      timezone,
      this.range.from,
      this.range.to,
      this.#seed,
    );
    this.#machine = new MachineModel(this.powerPeriods, this.#seed);
  }

  /** The days in order, generated synchronously. Iterate once: the plant moves forward as it goes. */
  *days(): Generator<DayBatch, void, undefined> {
    for (const step of this.#steps()) if (step) yield step;
  }

  /**
   * The days in order, yielding to the event loop between signals, so that writing one day (socket
   * I/O) proceeds while the next is generated.
   */
  async *daysInterleaved(): AsyncGenerator<DayBatch, void, undefined> {
    for (const step of this.#steps()) {
      if (step) yield step;
      else await setImmediate();
    }
  }

  *#steps(): Generator<DayBatch | undefined, void, undefined> {
    if (this.#started) throw new Error('a Plant generates its days once; create another for a second run');
    this.#started = true;
    const tracks = this.#signals.map((s) => new Track(logTableOf(s.datatype) === 'variable_log_float'));
    for (let index = 0; index < this.options.days; index++) {
      const start = this.#start.plus({ days: index }).startOf('day');
      const from = start.toMillis();
      const to = start.plus({ days: 1 }).startOf('day').toMillis();
      const { segments, alarms } = this.#machine.window(from, to);
      const context: DayContext = { from, to, segments, alarms, utcOffsetMs: start.offset * 60_000 };
      for (const [i, signal] of this.#signals.entries()) {
        signal.generate(context, tracks[i] as Track);
        yield undefined;
      }
      const poweredMs = segments.reduce((sum, s) => sum + (s.phase === 'off' ? 0 : s.to - s.from), 0);
      this.#addGarbage(tracks, index, poweredMs);
      yield this.#collect(tracks, index, start.toISODate() ?? '', from, to, poweredMs);
    }
  }

  #addGarbage(tracks: Track[], dayIndex: number, poweredMs: number): void {
    const rate = this.options.garbageRate * (poweredMs / (16 * 3_600_000));
    if (rate === 0) return;
    const rng = rngFor(this.#seed, 'garbage', dayIndex);
    const byName = (name: string) => tracks[this.#signals.findIndex((s) => s.name === name)] as Track;
    const alarms = byName(loggerVariables.alarms.name);
    const program = byName(loggerVariables.program.name);
    const core = [
      loggerVariables.state,
      loggerVariables.program,
      loggerVariables.temperature,
      loggerVariables.motorX,
      loggerVariables.motorY,
      loggerVariables.motorZ,
      loggerVariables.spindle,
    ].map((v) => byName(v.name));
    const floats = tracks.filter((t) => t.isFloat);
    const counts = this.counts.garbage;
    const times = (kind: keyof GarbageCounts) => stochasticRound(garbagePerWorkingDay[kind] * rate, rng);
    const tryOn = (pickTrack: () => Track, make: (live: Cell) => Cell) => {
      for (let attempt = 0; attempt < 8; attempt++) {
        if (injectGarbage(pickTrack(), rng, make)) return true;
      }
      return false;
    };
    for (let n = times('nulls'); n > 0; n--) {
      if (tryOn(() => rng.pick(tracks), garbageValue.null)) counts.nulls++;
    }
    for (let n = times('infinities'); n > 0; n--) {
      const pick = () => (rng.chance(0.5) ? rng.pick(core) : rng.pick(floats));
      if (tryOn(pick, () => garbageValue.infinity(rng))) counts.infinities++;
    }
    for (let n = times('invalidJson'); n > 0; n--) {
      if (
        tryOn(
          () => alarms,
          (live) => garbageValue.invalidJson(live, rng),
        )
      )
        counts.invalidJson++;
    }
    for (let n = times('badAlarmElements'); n > 0; n--) {
      if (
        tryOn(
          () => alarms,
          (live) => garbageValue.badAlarmElement(live, rng),
        )
      )
        counts.badAlarmElements++;
    }
    for (let n = times('programOutOfRange'); n > 0; n--) {
      if (
        tryOn(
          () => program,
          () => garbageValue.programOutOfRange(rng),
        )
      )
        counts.programOutOfRange++;
    }
  }

  #collect(
    tracks: Track[],
    index: number,
    day: string,
    from: number,
    to: number,
    poweredMs: number,
  ): DayBatch {
    let floatLength = 0;
    let stringLength = 0;
    for (const track of tracks) {
      if (track.isFloat) floatLength += track.dates.length;
      else stringLength += track.dates.length;
    }
    // Typed columns: a day is a few hundred thousand rows, and boxed numbers would cost more in
    // garbage collection than generating them.
    const float: FloatRows = {
      length: floatLength,
      ids: new Int32Array(floatLength),
      dates: new Float64Array(floatLength),
      values: new Float64Array(floatLength),
      isNull: new Uint8Array(floatLength),
    };
    const string: StringRows = {
      length: stringLength,
      ids: new Int32Array(stringLength),
      dates: new Float64Array(stringLength),
      values: new Array<string | null>(stringLength),
    };
    let f = 0;
    let s = 0;
    tracks.forEach((track, i) => {
      const id = this.#ids[i] as number;
      const { dates, values, nulls } = track;
      const n = dates.length;
      if (track.isFloat) {
        float.ids.fill(id, f, f + n);
        for (let k = 0; k < n; k++, f++) {
          const date = dates[k] as number;
          float.dates[f] = date;
          float.values[f] = values[k] as number;
          if (nulls.size > 0 && nulls.has(date)) float.isNull[f] = 1;
        }
      } else {
        string.ids.fill(id, s, s + n);
        for (let k = 0; k < n; k++, s++) {
          string.dates[s] = dates[k] as number;
          string.values[s] = values[k] as string | null;
        }
      }
      track.clear();
    });
    this.counts.floatRows += floatLength;
    this.counts.stringRows += stringLength;
    return { index, day, from, to, poweredMs, float, string, rows: floatLength + stringLength };
  }
}

/** n with probability frac(x) of rounding up: the expectation is x, and x >= 1 gives at least 1. */
function stochasticRound(x: number, rng: Rng): number {
  const floor = Math.floor(x);
  return floor + (rng.chance(x - floor) ? 1 : 0);
}

function lastDayInRange(start: string, days: number): boolean {
  try {
    addDays(start, days - 1);
    return true;
  } catch {
    return false;
  }
}
