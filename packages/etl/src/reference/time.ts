/**
 * Local days and hours (DOMAIN §3) found by brute force with `Intl`, independently of
 * `day-window.ts` (luxon): walk UTC instants on a 30-minute grid and read their local wall clock.
 * Correct for every zone whose UTC offsets are whole multiples of 30 minutes (all the zones the
 * property test uses: UTC, Europe/Madrid, America/New_York, Asia/Kolkata); slow, and never used
 * outside tests.
 */

const GRID_MS = 30 * 60_000;
const HOUR_MS = 3_600_000;

export interface ReferenceDay {
  day: string;
  /** The first instant whose local date is `day`. */
  start: number;
  /** The first instant of the next local date. */
  end: number;
  /** Start instants of the local hours of the day (local minute 0), ascending; two for a repeated hour. */
  hourStarts: number[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The local wall clock of an instant: `YYYY-MM-DD` and the minute of the hour. */
export function wallClock(epochMs: number, timezone: string): { date: string; minute: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timezone).formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minute: Number(parts.minute) };
}

function firstInstantOf(day: string, timezone: string): number {
  // Local midnight is within ±14 h of UTC midnight; start well before and walk forwards.
  let t = Date.parse(`${day}T00:00:00Z`) - 15 * HOUR_MS;
  while (wallClock(t, timezone).date < day) t += GRID_MS;
  return t;
}

/** The local day `day` (`YYYY-MM-DD`) in `timezone`, with its hour starts. */
export function referenceDay(day: string, timezone: string): ReferenceDay {
  const start = firstInstantOf(day, timezone);
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 24 * HOUR_MS).toISOString().slice(0, 10);
  const end = firstInstantOf(next, timezone);
  const hourStarts: number[] = [];
  for (let t = start; t < end; t += GRID_MS) if (wallClock(t, timezone).minute === 0) hourStarts.push(t);
  return { day, start, end, hourStarts };
}

/** The start of the local hour holding instant `t` of the day (the last hour start at or before it). */
export function hourOf(day: ReferenceDay, t: number): number {
  let found = day.hourStarts[0]!;
  for (const h of day.hourStarts) if (h <= t) found = h;
  return found;
}
