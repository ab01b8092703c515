import type { Rng } from './prng.ts';
import { type Cell, type Track, UNAVAILABLE } from './signals.ts';

/** Garbage rows written, by kind: what a test or a benchmark can count in SQL and compare. */
export interface GarbageCounts {
  /** `NULL` values (float and string logs). */
  nulls: number;
  /** `Infinity` or `-Infinity` in the float log. */
  infinities: number;
  /** ALARMS rows that are not JSON at all. */
  invalidJson: number;
  /** ALARMS rows that are a JSON array with an element that is not an array of at least two entries. */
  badAlarmElements: number;
  /** Finite PROG_STATUS values outside 0 <= v < 1000. */
  programOutOfRange: number;
}

export const noGarbage = (): GarbageCounts => ({
  nulls: 0,
  infinities: 0,
  invalidJson: 0,
  badAlarmElements: 0,
  programOutOfRange: 0,
});

/** Mean rows of each kind per 16 powered hours at garbage rate 1. */
export const garbagePerWorkingDay: Readonly<GarbageCounts> = {
  nulls: 4,
  infinities: 3,
  invalidJson: 2,
  badAlarmElements: 1,
  programOutOfRange: 2,
};

const OUT_OF_RANGE_PROGRAMS = [1000, 1024, 4095, 9999, 65535, -1, -2];

const INVALID_JSON: ReadonlyArray<(snapshot: string, rng: Rng) => string> = [
  // A write cut short.
  (s, rng) => s.slice(0, Math.max(2, Math.floor(s.length * rng.range(0.3, 0.9)))),
  // Quotes inside a description left unescaped.
  () => '[["PLC00300","Pieza no sujeta "garra 2"",3,3,50332416]]',
  // Single quotes, as a hand-written export would have them.
  () => "[['PLC00010','Puerta  abierta!',3,3,50331658]]",
  // A stray bracket.
  (s) => `${s}]`,
  // A message where a list should be.
  () => 'ERROR COMUNICACION CNC (timeout 5000 ms)',
  () => '[["250-1398","Imposible acceder al fichero",1,2,38802328],]',
];

const BAD_ELEMENTS: readonly unknown[] = ['PLC00054', ['PLC00010'], null, [], 42, { code: 'PLC00120' }];

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A reading the machine really had: not off, not garbage. */
function isLive(track: Track, i: number): boolean {
  const value = track.valueAt(i);
  const date = track.dates[i];
  if (value === null || value === undefined || date === undefined || track.garbage.has(date)) return false;
  return typeof value === 'number' ? Number.isFinite(value) : value !== UNAVAILABLE && value !== '';
}

/**
 * Puts one garbage row between two consecutive rows of a track, followed shortly by the value it
 * interrupted (the logger re-logs the real value at its next sample, as after a glitch), so the
 * track stays change-only. Returns false when no suitable spot was found.
 */
export function injectGarbage(track: Track, rng: Rng, garbageFor: (live: Cell) => Cell): boolean {
  const n = track.dates.length;
  for (let attempt = 0; attempt < 16 && n >= 2; attempt++) {
    const i = rng.int(0, n - 2);
    const at = track.dates[i] ?? 0;
    const next = track.dates[i + 1] ?? 0;
    if (!isLive(track, i) || next - at < 4) continue;
    const live = track.valueAt(i) ?? null;
    const t = at + 1 + Math.floor(rng.next() * Math.floor((next - at - 2) / 2));
    const back = t + 1 + Math.floor(rng.next() * Math.min(5_000, next - t - 2));
    track.insertAfter(i, [
      [t, garbageFor(live)],
      [back, live],
    ]);
    track.garbage.add(t);
    return true;
  }
  return false;
}

export const garbageValue = {
  null: (): Cell => null,
  infinity: (rng: Rng): Cell => (rng.chance(0.5) ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY),
  programOutOfRange: (rng: Rng): Cell => rng.pick(OUT_OF_RANGE_PROGRAMS),
  invalidJson(live: Cell, rng: Rng): Cell {
    const snapshot = typeof live === 'string' ? live : '[]';
    for (;;) {
      const text = rng.pick(INVALID_JSON)(snapshot, rng);
      if (!isJson(text) && text !== UNAVAILABLE && text !== '') return text;
    }
  },
  badAlarmElement(live: Cell, rng: Rng): Cell {
    const list = typeof live === 'string' ? (JSON.parse(live) as unknown[]) : [];
    list.splice(rng.int(0, list.length), 0, rng.pick(BAD_ELEMENTS));
    return JSON.stringify(list);
  },
};
