import { DateTime } from 'luxon';

// docs/api.md formats: `YYYY-MM-DD HH:MM:SS`, with `.ffffff` only when the fraction is not zero, and for
// aware timestamps the offset `+HH:MM`.

/**
 * Drops a zero fraction from a `YYYY-MM-DD HH:MM:SS.ffffff` string (as PostgreSQL's `to_char(…, 'US')`
 * prints it), keeping a non-zero one whole.
 *
 * @example
 * trimZeroFraction('2021-09-14 05:00:00.000000'); // '2021-09-14 05:00:00'
 * trimZeroFraction('2022-02-23 13:17:57.265000'); // '2022-02-23 13:17:57.265000'
 */
export function trimZeroFraction(text: string): string {
  return text.endsWith('.000000') ? text.slice(0, -7) : text;
}

/**
 * An offset in minutes east of UTC as `+HH:MM`.
 *
 * @example
 * formatOffset(-150); // '-02:30'
 */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * An instant (epoch ms, or a Date) as an aware timestamp in `zone`: its wall-clock time there and
 * that zone's offset at the instant.
 *
 * @example
 * formatAware(Date.UTC(2024, 9, 27, 0, 40), 'Europe/Madrid'); // '2024-10-27 02:40:00+02:00'
 */
export function formatAware(instant: number | Date, zone: string): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const local = DateTime.fromMillis(ms, { zone });
  const millis = local.millisecond;
  const fraction = millis === 0 ? '' : `.${String(millis).padStart(3, '0')}000`;
  return `${local.toFormat('yyyy-MM-dd HH:mm:ss')}${fraction}${formatOffset(local.offset)}`;
}

/**
 * An instant as a naive timestamp in `zone`: its wall-clock time there, without the offset.
 *
 * @example
 * formatNaive(Date.UTC(2024, 9, 27, 0, 40), 'Europe/Madrid'); // '2024-10-27 02:40:00'
 */
export function formatNaive(instant: number | Date, zone: string): string {
  return formatAware(instant, zone).slice(0, -6);
}
