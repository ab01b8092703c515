// Calendar days and instants in a machine's own time zone, with the browser's Intl (no zone library).

const partsCache = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(zone: string): Intl.DateTimeFormat {
  let f = partsCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsCache.set(zone, f);
  }
  return f;
}

function wallClock(ms: number, zone: string) {
  const parts = Object.fromEntries(
    zoneFormat(zone)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant of 00:00 of a local day (`YYYY-MM-DD`) in `zone`. */
export function localMidnight(day: string, zone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let guess = wall - offsetAt(wall, zone);
  guess = wall - offsetAt(guess, zone);
  return guess;
}

/** `YYYY-MM-DD` of an instant in `zone`. */
export function localDay(ms: number, zone: string): string {
  const w = wallClock(ms, zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** `HH:MM` of an instant in `zone`. */
export function localTime(ms: number, zone: string): string {
  const w = wallClock(ms, zone);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

// Calendar dates follow the rules every other part of the system uses.
export { addDays, daysBetween, isCalendarDate } from '@mm/calendar';

/** An aware timestamp of the API (`YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM`) as epoch ms. */
export function parseAware(ts: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return Number.NaN;
  const millis = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  return Date.parse(`${m[1]}T${m[2]}.${millis}${m[4]}`);
}

/** A duration as `3 h 05 min`, `12 min` or `40 s`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
}

/** How long ago, roughly: `3 min ago`, `2 h ago`, `4 days ago`. */
export function formatAge(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
