import { basename } from 'node:path';
import { isCalendarDate } from '@mm/calendar';

/** What an SHDR log's file name says: the device that wrote it and the UTC day it covers. */
export interface ShdrFileName {
  device: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  /** 00:00 of `day`, UTC, epoch ms: lines stamped earlier form the file's stale block. */
  dayStartMs: number;
}

// `Mazak01-20190618-20190619.txt`: the device, then the day (a log may also name the day after it);
// a gzipped log keeps its name with `.gz` after it.
const NAME = /^(.+?)[-_](\d{4})(\d{2})(\d{2})(?:[-_]\d{8})?\.[A-Za-z]+(?:\.gz)?$/i;

/**
 * Device and UTC day of an SHDR daily log from its file name; `undefined` when the name has no
 * `<device>-<YYYYMMDD>` shape or no date the system accepts (`@mm/calendar`).
 *
 * @example
 * parseShdrFileName('data/Mazak01-20190618-20190619.txt')
 * // { device: 'Mazak01', day: '2019-06-18', dayStartMs: 1560816000000 }
 */
export function parseShdrFileName(path: string): ShdrFileName | undefined {
  const m = NAME.exec(basename(path));
  if (!m) return undefined;
  const [, device, y, mo, d] = m as unknown as [string, string, string, string, string];
  const day = `${y}-${mo}-${d}`;
  if (!isCalendarDate(day)) return undefined;
  return { device, day, dayStartMs: Date.UTC(Number(y), Number(mo) - 1, Number(d)) };
}
