/**
 * The two kinds of scheduled work: `work` is every slice that was never run, failed, went stale or got
 * late raw data; `refresh` re-runs a partial day (today) whose raw data changed.
 */
export type SliceTier = 'work' | 'refresh';

const dayMs = 86_400_000;
/** Days count down from here, so a newer day gets a smaller (more urgent) number. */
const lastDay = Date.UTC(2100, 0, 1) / dayMs;
const tierBase: Record<SliceTier, number> = { work: 1, refresh: 100_001 };

/**
 * The BullMQ priority of a scheduled slice (1 is the most urgent; BullMQ allows up to 2^21 - 1): every
 * `work` slice before any `refresh`, and the newest day first within each, whichever plan queued it.
 * A job without a priority (an operator's re-queue) goes to BullMQ's wait list, which workers empty
 * before they take any prioritized job. Prioritized jobs sit in a sorted set: adding and taking one
 * is O(log n).
 *
 * @example
 * slicePriority('work', '2026-12-08'); // 26688
 * slicePriority('refresh', '2026-12-08'); // 126688
 */
export function slicePriority(tier: SliceTier, day: string): number {
  const daysBefore = lastDay - Date.parse(`${day}T00:00:00Z`) / dayMs;
  return tierBase[tier] + Math.min(Math.max(Math.round(daysBefore), 0), 99_999);
}
