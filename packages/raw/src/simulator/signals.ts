import type { FloatDatatype } from '@mm/db';
import { type AlarmSpec, alarmNumber, type NoiseSpec } from './catalogue.ts';
import type { AlarmInterval, Segment } from './machine.ts';
import type { Rng } from './prng.ts';

/** A logged value: float-log values are numbers (NaN off) or null, string-log values text or null. */
export type Cell = number | string | null;

/** The string the logger writes when a text signal goes off (DOMAIN §1). */
export const UNAVAILABLE = 'UNAVAILABLE';

/**
 * The rows of one variable for the current day, written only on change, as the logger does.
 * `last` survives from day to day, so change-only holds across midnight too.
 */
export class Track {
  dates: number[] = [];
  /** Float tracks hold only numbers here (V8 then stores them unboxed); a NULL is a NaN listed in `nulls`. */
  values: Cell[] = [];
  /** Instants of this day's NULL rows of a float track. */
  nulls = new Set<number>();
  /** Instants of the rows that garbage injection added (for this day). */
  garbage = new Set<number>();
  #last: Cell | undefined;
  #lastDate = Number.NEGATIVE_INFINITY;

  constructor(readonly isFloat: boolean) {}

  /** Logs `value` at `t` unless it equals the last value logged; true when a row was written. */
  emit(t: number, value: Cell): boolean {
    // float4 is what the column keeps: two doubles that round to the same float4 are no change.
    const v = this.isFloat && typeof value === 'number' ? Math.fround(value) : value;
    const last = this.#last;
    if (last !== undefined && (last === v || (Number.isNaN(last) && Number.isNaN(v)))) return false;
    // (id_var, date) is the primary key: two changes in one millisecond are logged 1 ms apart.
    const date = t > this.#lastDate ? t : this.#lastDate + 1;
    this.dates.push(date);
    this.values.push(v);
    this.#last = v;
    this.#lastDate = date;
    return true;
  }

  /** The machine went off at `t`: NaN or `UNAVAILABLE`, unless nothing was ever logged. */
  off(t: number): void {
    if (this.#last !== undefined) this.emit(t, this.isFloat ? Number.NaN : UNAVAILABLE);
  }

  /** The value of row i as written (NULL included). */
  valueAt(i: number): Cell | undefined {
    const date = this.dates[i];
    if (date === undefined) return undefined;
    return this.isFloat && this.nulls.has(date) ? null : this.values[i];
  }

  /** Inserts rows after row i (for garbage); a null in a float track goes to `nulls`. */
  insertAfter(i: number, rows: ReadonlyArray<[number, Cell]>): void {
    for (const [k, [date, value]] of rows.entries()) {
      if (this.isFloat && value === null) this.nulls.add(date);
      this.dates.splice(i + 1 + k, 0, date);
      this.values.splice(i + 1 + k, 0, this.isFloat && value === null ? Number.NaN : value);
    }
  }

  /** Starts a new day (the rows were handed over). */
  clear(): void {
    this.dates = [];
    this.values = [];
    this.nulls = new Set();
    this.garbage = new Set();
  }
}

/** Everything a signal needs to produce one day's rows. */
export interface DayContext {
  from: number;
  to: number;
  /** Contiguous, covering [from, to). */
  segments: readonly Segment[];
  alarms: readonly AlarmInterval[];
  /** The zone's UTC offset at the day's start, ms (the sun, not DST, warms the shop). */
  utcOffsetMs: number;
}

/** Valid but unusual values the simulator wrote (not garbage: the ETLs must take them). */
export interface NotableCounts {
  /** TEMPERATURA_BASE = 0: "missing" for the logger profile. */
  zeroTemperature: number;
  /** Motor utilisations above 100 % or below 0 % (clamped by the energy ETL). */
  motorAbove100: number;
  motorBelow0: number;
}

export interface Signal {
  readonly name: string;
  readonly datatype: string;
  generate(day: DayContext, track: Track): void;
}

/** Sampling period at a volume: shorter as volume grows, on a 100 ms grid shared by all signals. */
export function periodAt(baseMs: number, volume: number): number {
  return Math.max(100, Math.round(baseMs / volume / 100) * 100);
}

/**
 * Calls `sample` at each instant the logger samples a signal during a powered segment: at power-on
 * (the logger logs everything then) and on the epoch-aligned grid, so signals with the same period
 * share timestamps, as duplicate timestamps across variables are normal in real logs.
 */
function forEachSample(segment: Segment, periodMs: number, sample: (t: number) => void): void {
  let t = Math.ceil(segment.from / periodMs) * periodMs;
  if (segment.powerOn && t !== segment.from) sample(segment.from);
  for (; t < segment.to; t += periodMs) sample(t);
}

/** A value read off the machine's segments: state, program, door, mode, program name. */
export class SegmentSignal implements Signal {
  constructor(
    readonly name: string,
    readonly datatype: string,
    private readonly read: (segment: Segment) => Cell,
  ) {}

  generate(day: DayContext, track: Track): void {
    for (const segment of day.segments) {
      if (segment.phase === 'off') track.off(segment.from);
      else track.emit(segment.from, this.read(segment));
    }
  }
}

/**
 * A continuous measurement: an Ornstein-Uhlenbeck process (it relaxes towards the level of the
 * current phase with time constant tau and wanders around it), sampled and quantised. Exact
 * discretisation, so the statistics do not depend on the sampling period (the volume knob).
 */
export class AnalogSignal implements Signal {
  #x: number | null = null;
  #lastT = 0;
  readonly #periodMs: number;
  readonly #decay: number;

  constructor(
    readonly name: string,
    readonly datatype: FloatDatatype,
    private readonly spec: {
      running: number;
      idle: number;
      noise: number;
      step: number;
      tauS: number;
      periodMs: number;
    },
    private readonly rng: Rng,
    volume: number,
  ) {
    this.#periodMs = periodAt(spec.periodMs, volume);
    this.#decay = Math.exp(-this.#periodMs / 1000 / spec.tauS);
  }

  generate(day: DayContext, track: Track): void {
    const { running, idle, noise, step, tauS } = this.spec;
    // Idle noise scales with the idle level: a stopped spindle reads 0, not jittery negatives.
    const idleNoise = running === 0 ? noise : noise * Math.min(1, Math.abs(idle / running));
    for (const segment of day.segments) {
      if (segment.phase === 'off') {
        track.off(segment.from);
        continue;
      }
      const target = segment.phase === 'run' ? running : idle;
      const sd = segment.phase === 'run' ? noise : idleNoise;
      forEachSample(segment, this.#periodMs, (t) => {
        const dt = t - this.#lastT;
        const decay = dt === this.#periodMs ? this.#decay : Math.exp(-dt / 1000 / tauS);
        const x = this.#x;
        this.#x =
          x === null || !Number.isFinite(dt)
            ? target
            : target + (x - target) * decay + sd * Math.sqrt(1 - decay * decay) * this.rng.normal();
        this.#lastT = t;
        track.emit(t, Math.round(this.#x / step) * step);
      });
    }
  }
}

/**
 * A motor utilisation in %: follows the job's load while cutting, holding torque when idle (small,
 * sometimes slightly negative from the drive's offset), with rare overload spikes above 100 %.
 */
export class MotorSignal implements Signal {
  readonly datatype = 'java.lang.Double';
  #x = 0;
  readonly #periodMs: number;

  constructor(
    readonly name: string,
    private readonly level: { running: number; idle: number; idleNoise: number },
    private readonly rng: Rng,
    private readonly notable: NotableCounts,
    volume: number,
  ) {
    this.#periodMs = periodAt(2000, volume);
  }

  generate(day: DayContext, track: Track): void {
    const decay = Math.exp(-this.#periodMs / 8000);
    const spread = Math.sqrt(1 - decay * decay);
    for (const segment of day.segments) {
      if (segment.phase === 'off') {
        track.off(segment.from);
        continue;
      }
      const running = segment.phase === 'run';
      const target = running ? this.level.running * (0.5 + (segment.job?.load ?? 0.5)) : this.level.idle;
      const sd = running ? this.level.running * 0.15 : this.level.idleNoise;
      forEachSample(segment, this.#periodMs, (t) => {
        this.#x = target + (this.#x - target) * decay + sd * spread * this.rng.normal();
        let value = Math.round(this.#x * 10) / 10;
        if (running && this.rng.chance(0.0004)) value = Math.round((100 + this.rng.range(0.5, 30)) * 10) / 10;
        if (!running && this.level.idle === 0) value = 0;
        if (track.emit(t, value)) {
          if (value > 100) this.notable.motorAbove100++;
          else if (value < 0) this.notable.motorBelow0++;
        }
      });
    }
  }
}

/**
 * TEMPERATURA_BASE (°C x 100): the shop's daily swing (plus a slow drift from day to day) and the
 * machine's own heat, which builds up while cutting and decays when idle or off. Now and then the
 * sensor reads 0, which the logger profile treats as missing.
 */
export class TemperatureSignal implements Signal {
  readonly datatype = 'java.lang.Integer';
  #heat = 0;
  #drift = 0;
  #lastT = Number.NaN;
  readonly #periodMs: number;
  readonly #zeroChance: number;

  constructor(
    readonly name: string,
    private readonly rng: Rng,
    private readonly notable: NotableCounts,
    periodMs: number,
  ) {
    this.#periodMs = periodMs;
    // About six zeros per 16-hour working day, whatever the sampling period.
    this.#zeroChance = Math.min(0.05, (6 * periodMs) / (16 * 3_600_000));
  }

  generate(day: DayContext, track: Track): void {
    const tau = 40 * 60_000;
    this.#drift = this.#drift * 0.8 + this.rng.normal() * 0.5;
    for (const segment of day.segments) {
      if (segment.phase === 'off') {
        track.off(segment.from);
        continue;
      }
      const target =
        segment.phase === 'run' ? 6 + 6 * (segment.job?.load ?? 0.5) : segment.phase === 'warmup' ? 1 : 2.5;
      forEachSample(segment, this.#periodMs, (t) => {
        const dt = t - this.#lastT;
        // Across an off gap the heat decays towards none; while powered, towards the phase's level.
        if (segment.powerOn && t === segment.from)
          this.#heat *= Number.isFinite(dt) ? Math.exp(-dt / tau) : 0;
        else if (Number.isFinite(dt)) this.#heat = target + (this.#heat - target) * Math.exp(-dt / tau);
        this.#lastT = t;
        const hourOfDay = (t + day.utcOffsetMs) / 3_600_000;
        const ambient = 21 + 3.2 * Math.sin((2 * Math.PI * (hourOfDay - 10)) / 24) + this.#drift;
        let value = Math.round((ambient + this.#heat + 0.05 * this.rng.normal()) * 100);
        if (this.rng.chance(this.#zeroChance)) value = 0;
        if (track.emit(t, value) && value === 0) this.notable.zeroTemperature++;
      });
    }
  }
}

/** An axis position (mm): moves while cutting, holds still otherwise. */
export class PositionSignal implements Signal {
  readonly datatype = 'java.lang.Double';
  #x: number;
  readonly #periodMs: number;

  constructor(
    readonly name: string,
    private readonly range: { min: number; max: number; periodMs: number },
    private readonly rng: Rng,
    volume: number,
  ) {
    this.#periodMs = periodAt(range.periodMs, volume);
    this.#x = (range.min + range.max) / 2;
  }

  generate(day: DayContext, track: Track): void {
    const { min, max } = this.range;
    const stepSd = (max - min) * 0.06;
    for (const segment of day.segments) {
      if (segment.phase === 'off') {
        track.off(segment.from);
        continue;
      }
      if (segment.phase !== 'run') {
        track.emit(segment.from, this.#x);
        continue;
      }
      forEachSample(segment, this.#periodMs, (t) => {
        const next = this.#x + stepSd * this.rng.normal();
        this.#x = Math.round(Math.min(max, Math.max(min, next)) * 1000) / 1000;
        track.emit(t, this.#x);
      });
    }
  }
}

/** A setting an operator changes now and then (overrides, PLC words): held for random times. */
export class HeldSignal implements Signal {
  #value: number;
  #nextChange = Number.NaN;

  constructor(
    readonly name: string,
    readonly datatype: FloatDatatype,
    private readonly spec: { holdS: [number, number]; values: number[] },
    private readonly rng: Rng,
  ) {
    this.#value = rng.pick(spec.values);
  }

  generate(day: DayContext, track: Track): void {
    const hold = () => this.rng.range(this.spec.holdS[0], this.spec.holdS[1]) * 1000;
    for (const segment of day.segments) {
      if (segment.phase === 'off') {
        track.off(segment.from);
        continue;
      }
      // Changes are made by people at the machine: one due while it was off happens once it is on.
      if (!(this.#nextChange >= segment.from)) this.#nextChange = segment.from + hold();
      track.emit(segment.from, this.#value);
      while (this.#nextChange < segment.to) {
        const t = Math.round(this.#nextChange);
        const choices = this.spec.values.filter((v) => v !== this.#value);
        if (choices.length > 0) this.#value = this.rng.pick(choices);
        track.emit(t, this.#value);
        this.#nextChange += hold();
      }
    }
  }
}

/** A value logged at every power-on and never changed (versions, serial numbers). */
export class ConstantSignal implements Signal {
  constructor(
    readonly name: string,
    readonly datatype: string,
    private readonly value: number | string,
  ) {}

  generate(day: DayContext, track: Track): void {
    for (const segment of day.segments) {
      if (segment.phase === 'off') track.off(segment.from);
      else track.emit(segment.from, this.value);
    }
  }
}

/** Pieces made in the current job: +1 at the end of each finished cycle, 0 at a new job. */
export class CounterSignal implements Signal {
  readonly datatype = 'java.lang.Long';
  #count = 0;
  #job: unknown = null;
  #pendingPiece = false;

  constructor(readonly name: string) {}

  generate(day: DayContext, track: Track): void {
    for (const segment of day.segments) {
      if (segment.phase === 'off') {
        this.#pendingPiece = false;
        track.off(segment.from);
        continue;
      }
      // Counted at the start of the next segment, which is the cycle's end instant and lies in
      // this day even when the cycle ends exactly at midnight.
      if (this.#pendingPiece) this.#count++;
      if (segment.job !== this.#job) {
        this.#job = segment.job;
        this.#count = 0;
      }
      track.emit(segment.from, this.#count);
      this.#pendingPiece = segment.cycleEnd;
    }
  }
}

/** The tool in the spindle: steps through the job's tools while cutting. */
export class ToolSignal implements Signal {
  readonly datatype = 'java.lang.Integer';
  #tool = 1;
  #index = 0;

  constructor(
    readonly name: string,
    private readonly rng: Rng,
  ) {}

  generate(day: DayContext, track: Track): void {
    for (const segment of day.segments) {
      if (segment.phase === 'off') {
        track.off(segment.from);
        continue;
      }
      const tools = segment.job?.tools ?? [];
      if (segment.phase !== 'run' || tools.length === 0) {
        track.emit(segment.from, this.#tool);
        continue;
      }
      for (let t = segment.from; t < segment.to; t += Math.round(this.rng.range(20_000, 180_000))) {
        this.#index = (this.#index + 1) % tools.length;
        this.#tool = tools[this.#index] ?? this.#tool;
        track.emit(t, this.#tool);
      }
    }
  }
}

/** The NC block being executed, as text: the liveliest string signal of a real logger. */
export class BlockSignal implements Signal {
  readonly datatype = 'java.lang.String';
  #n = 10;
  #block = 'N10 G90 G54';
  readonly #periodMs: number;

  constructor(
    readonly name: string,
    private readonly rng: Rng,
    periodMs: number,
    volume: number,
  ) {
    this.#periodMs = periodAt(periodMs, volume);
  }

  generate(day: DayContext, track: Track): void {
    const r = this.rng;
    for (const segment of day.segments) {
      if (segment.phase === 'off') {
        track.off(segment.from);
        continue;
      }
      if (segment.phase !== 'run') {
        track.emit(segment.from, this.#block);
        continue;
      }
      forEachSample(segment, this.#periodMs, (t) => {
        this.#n = this.#n >= 9990 ? 10 : this.#n + 10;
        const g = r.pick(['G00', 'G01', 'G01', 'G01', 'G02', 'G03']);
        const feed = g === 'G00' ? '' : ` F${r.int(50, 2500)}`;
        this.#block = `N${this.#n} ${g} X${r.range(-250, 250).toFixed(3)} Y${r.range(-200, 200).toFixed(3)} Z${r.range(-400, 50).toFixed(3)}${feed}`;
        track.emit(t, this.#block);
      });
    }
  }
}

/**
 * ALARMS as the logger writes it (`json-snapshot`, DOMAIN §5.4): the whole list of active alarms,
 * `[[code, description, int, int, int], …]` in activation order, whenever it changes; `[]` when
 * none; `UNAVAILABLE` when the machine goes off.
 */
export class AlarmSignal implements Signal {
  readonly datatype = 'java.lang.String';
  #active: AlarmInterval[] = [];

  constructor(readonly name: string) {}

  generate(day: DayContext, track: Track): void {
    type Event = { t: number; order: number; apply: () => void };
    const events: Event[] = [];
    for (const alarm of day.alarms) {
      if (alarm.from >= day.from && alarm.from < day.to) {
        events.push({ t: alarm.from, order: 1, apply: () => this.#active.push(alarm) });
      }
      if (alarm.to >= day.from && alarm.to < day.to) {
        events.push({ t: alarm.to, order: 0, apply: () => this.#remove(alarm) });
      }
    }
    let powered = false;
    for (const segment of day.segments) {
      const on = segment.phase !== 'off';
      events.push({
        t: segment.from,
        order: 2,
        apply: () => {
          powered = on;
        },
      });
    }
    events.sort((a, b) => a.t - b.t || a.order - b.order);
    for (let i = 0; i < events.length; ) {
      const t = events[i]?.t ?? 0;
      for (; i < events.length && events[i]?.t === t; i++) events[i]?.apply();
      if (!powered) {
        this.#active = [];
        track.off(t);
      } else {
        track.emit(t, JSON.stringify(this.#active.map((a) => element(a.spec, a.description))));
      }
    }
  }

  #remove(alarm: AlarmInterval): void {
    this.#active = this.#active.filter((a) => a !== alarm);
  }
}

function element(spec: AlarmSpec, description: string): [string, string, number, number, number] {
  return [spec.code, description, spec.a, spec.b, alarmNumber(spec.code)];
}

/** The noise signal a catalogue entry describes. */
export function noiseSignal(spec: NoiseSpec, rng: Rng, volume: number): Signal {
  switch (spec.kind) {
    case 'analog':
      return new AnalogSignal(spec.name, spec.datatype, spec, rng, volume);
    case 'position':
      return new PositionSignal(spec.name, spec, rng, volume);
    case 'held':
      return new HeldSignal(spec.name, spec.datatype, spec, rng);
    case 'constant':
      return new ConstantSignal(spec.name, spec.datatype, spec.value);
    case 'door':
      return new SegmentSignal(spec.name, 'java.lang.Boolean', (s) => (s.door ? 1 : 0));
    case 'mode':
      return new SegmentSignal(spec.name, 'java.lang.String', (s) => s.mode);
    case 'program-name':
      return new SegmentSignal(
        spec.name,
        'java.lang.String',
        (s) => `O${String(s.program).padStart(4, '0')}.NC`,
      );
    case 'counter':
      return new CounterSignal(spec.name);
    case 'tool':
      return new ToolSignal(spec.name, rng);
    case 'block':
      return new BlockSignal(spec.name, rng, spec.periodMs, volume);
  }
}
