import { type AlarmSpec, alarmCatalogue } from './catalogue.ts';
import { type Rng, rngFor } from './prng.ts';
import type { PowerPeriod } from './schedule.ts';

/** What the machine is doing during a segment. */
export type Phase = 'off' | 'warmup' | 'setup' | 'run' | 'unload' | 'stop' | 'break';
export type Mode = 'AUTOMATICO' | 'MANUAL' | 'MDI';

/** A job: a program run for a number of pieces. */
export interface Job {
  program: number;
  cycleMs: number;
  /** How hard the program works the motors, 0..1. */
  load: number;
  tools: number[];
}

/** A stretch of constant behaviour, [from, to) in UTC epoch ms. */
export interface Segment {
  from: number;
  to: number;
  phase: Phase;
  /** MACHINE_IN_OPERATION: 255 running, another finite value idle, NaN off. */
  state: number;
  /** PROG_STATUS (NaN when off). */
  program: number;
  mode: Mode;
  door: boolean;
  job: Job | null;
  /** The machine was switched on at `from` (the logger then logs every variable). */
  powerOn: boolean;
  /** A piece was finished at `to`. */
  cycleEnd: boolean;
}

/** An active alarm, [from, to). `description` has its placeholders filled in. */
export interface AlarmInterval {
  spec: AlarmSpec;
  description: string;
  from: number;
  to: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const byKind = (kind: AlarmSpec['kind']) => alarmCatalogue.filter((a) => a.kind === kind);
const DOOR = byKind('door');
const CLOSE_DOOR = byKind('close-door');
const FEED_ZERO = byKind('feed-zero');
const FILE = byKind('file');
const FAULTS = byKind('fault');
const EMERGENCIES = byKind('emergency');
const WARNINGS = byKind('warning');

/**
 * The plant's behaviour as a timeline: power periods filled with jobs (set-up, cycles, unloading),
 * breaks at shift changes, stops on faults and emergencies, and the alarms that go with them.
 * Generated lazily and in order, so a month streams day by day in bounded memory.
 */
export class MachineModel {
  readonly #rng: Rng;
  readonly #programs: Array<Job & { weight: number }>;
  readonly #periods: readonly PowerPeriod[];
  readonly #timeline: Generator<Segment, void, undefined>;
  #pending: Segment | null = null;
  #alarms: AlarmInterval[] = [];
  #program = 0;

  constructor(periods: readonly PowerPeriod[], seed: number) {
    this.#rng = rngFor(seed, 'machine');
    this.#periods = periods;
    const programRng = rngFor(seed, 'programs');
    const numbers = new Set<number>();
    while (numbers.size < 24) numbers.add(programRng.int(1, 999));
    this.#programs = [...numbers].map((program, rank) => ({
      program,
      cycleMs: Math.round(programRng.range(1.5, 22) * MINUTE),
      load: programRng.range(0.25, 0.95),
      tools: Array.from({ length: programRng.int(3, 9) }, () => programRng.int(1, 40)),
      // A few programs are most of the work, as in a real shop (Zipf-like popularity).
      weight: 1 / (rank + 1),
    }));
    this.#program = this.#programs[0]?.program ?? 0;
    this.#timeline = this.#generate();
  }

  /**
   * The segments covering [from, to), clipped to it, and the alarm intervals overlapping it.
   * Windows must be asked for in increasing order and without gaps.
   */
  window(from: number, to: number): { segments: Segment[]; alarms: AlarmInterval[] } {
    const segments: Segment[] = [];
    for (;;) {
      const segment = this.#pending ?? this.#timeline.next().value;
      if (!segment) break;
      if (segment.to <= from) {
        this.#pending = null;
        continue;
      }
      if (segment.from >= to) {
        this.#pending = segment;
        break;
      }
      const clipped = {
        ...segment,
        from: Math.max(segment.from, from),
        to: Math.min(segment.to, to),
        powerOn: segment.powerOn && segment.from >= from,
        cycleEnd: segment.cycleEnd && segment.to <= to,
      };
      segments.push(clipped);
      if (segment.to > to) {
        this.#pending = segment;
        break;
      }
      this.#pending = null;
    }
    // Every alarm starting before `to` is known: the timeline was generated past it.
    const alarms = this.#alarms.filter((a) => a.from < to && a.to >= from);
    this.#alarms = this.#alarms.filter((a) => a.to >= to);
    return { segments, alarms };
  }

  *#generate(): Generator<Segment, void, undefined> {
    let t = Number.NEGATIVE_INFINITY;
    for (const period of this.#periods) {
      if (period.on > t) yield this.#offSegment(t, period.on);
      // Segments cut to nothing by the power-off would log two values at one instant.
      for (const segment of this.#powered(period)) if (segment.to > segment.from) yield segment;
      t = period.off;
    }
    yield this.#offSegment(t, Number.POSITIVE_INFINITY);
  }

  #offSegment(from: number, to: number): Segment {
    return {
      from,
      to,
      phase: 'off',
      state: Number.NaN,
      program: Number.NaN,
      mode: 'MANUAL',
      door: false,
      job: null,
      powerOn: false,
      cycleEnd: false,
    };
  }

  *#powered(period: PowerPeriod): Generator<Segment, void, undefined> {
    const rng = this.#rng;
    const { off } = period;
    const breaks = [...period.breaks];
    let t = period.on;
    let first = true;
    let job: Job | null = null;
    const alarm = (spec: AlarmSpec, at: number, durationMs: number) => {
      const from = Math.round(at);
      const to = Math.min(off, from + Math.max(1, Math.round(durationMs)));
      if (to <= from) return;
      // The same alarm cannot be raised twice while active: a real control keeps it latched.
      if (this.#alarms.some((a) => a.spec === spec && a.to > from)) return;
      // Placeholders: the NC block number of a syntax error, else the program concerned.
      const filler = spec.code === '250-1020' ? rng.int(1, 99) * 10 : (job?.program ?? 0);
      const description = spec.description.replace('%s', String(filler));
      this.#alarms.push({ spec, description, from, to });
    };
    const segment = (durationMs: number, fields: Omit<Segment, 'from' | 'to' | 'powerOn' | 'cycleEnd'>) => {
      const from = t;
      const to = Math.min(off, from + Math.max(1, Math.round(durationMs)));
      t = to;
      const powerOn = first;
      first = false;
      return { from, to, powerOn, cycleEnd: false, ...fields };
    };
    const idle = (phase: Phase, state: number, mode: Mode, door = false) => ({
      phase,
      state,
      program: this.#program,
      mode,
      door,
      job,
    });

    // Warnings come and go on their own clock and do not stop the machine.
    for (let w = t + rng.exponential(7 * HOUR); w < off; w += rng.exponential(7 * HOUR)) {
      alarm(
        rng.weighted(WARNINGS, (a) => a.weight),
        w,
        rng.range(10 * MINUTE, 3 * HOUR),
      );
    }

    yield segment(rng.range(3, 15) * MINUTE, idle('warmup', 1, 'MANUAL'));
    let nextFault = t + rng.exponential(4 * HOUR);
    let nextEmergency = t + rng.exponential(40 * HOUR);
    while (t < off) {
      const picked = rng.weighted(this.#programs, (p) => p.weight);
      job = picked;
      this.#program = picked.program;
      if (rng.chance(0.06))
        alarm(
          rng.weighted(FILE, (a) => a.weight),
          t,
          rng.range(5_000, 90_000),
        );
      const setupMs = rng.range(8, 40) * MINUTE;
      if (rng.chance(0.35)) alarm(rng.pick(DOOR), t, setupMs * 0.7);
      yield segment(setupMs * 0.7, idle('setup', 0, 'MANUAL', true));
      if (rng.chance(0.12)) alarm(rng.pick(CLOSE_DOOR), t, rng.range(3_000, 30_000));
      if (rng.chance(0.15))
        alarm(rng.pick(FEED_ZERO), t + rng.range(0, setupMs * 0.2), rng.range(10_000, 120_000));
      yield segment(setupMs * 0.3, idle('setup', 0, rng.chance(0.3) ? 'MDI' : 'MANUAL'));

      for (let pieces = rng.int(4, 40); pieces > 0 && t < off; ) {
        const due = breaks[0];
        if (due !== undefined && due <= t) {
          breaks.shift();
          yield segment(rng.range(8, 25) * MINUTE, idle('break', 0, 'MANUAL'));
          continue;
        }
        const cycleMs = picked.cycleMs * rng.range(0.97, 1.03);
        const stopAt = Math.min(nextFault, nextEmergency);
        if (stopAt < t + cycleMs) {
          // The cycle is interrupted: a fault (or emergency) stops the machine; the piece restarts.
          const emergency = nextEmergency <= nextFault;
          const spec = emergency
            ? rng.weighted(EMERGENCIES, (a) => a.weight)
            : rng.weighted(FAULTS, (a) => a.weight);
          if (stopAt > t) yield segment(stopAt - t, { ...idle('run', 255, 'AUTOMATICO'), door: false });
          const [min, max] = spec.stopMinutes ?? [1, 5];
          const stopMs = rng.range(min, max) * MINUTE;
          alarm(spec, t, stopMs - rng.range(0, 20_000));
          yield segment(stopMs, idle('stop', emergency ? 0 : 128, 'AUTOMATICO'));
          if (emergency) nextEmergency = t + rng.exponential(40 * HOUR);
          else nextFault = t + rng.exponential(4 * HOUR);
          continue;
        }
        const run = segment(cycleMs, idle('run', 255, 'AUTOMATICO'));
        yield { ...run, cycleEnd: run.to - run.from >= Math.round(cycleMs) };
        pieces--;
        const unloadMs = rng.range(15_000, 90_000);
        if (rng.chance(0.08)) alarm(rng.pick(DOOR), t + 2_000, unloadMs - 4_000);
        yield segment(unloadMs, idle('unload', 0, 'AUTOMATICO', true));
      }
    }
  }
}
