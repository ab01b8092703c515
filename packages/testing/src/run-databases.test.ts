import { describe, expect, it } from 'vitest';
import { isLeftover, LEFTOVER_AGE_MS, newRunId, runCreatedAt, runDatabaseName } from './run-databases.ts';

const now = Date.UTC(2026, 11, 3, 12, 0, 0);
const hour = 3600_000;

describe('test run databases', () => {
  it('name the run and its creation time', () => {
    const runId = newRunId(now - 5 * hour);
    const name = runDatabaseName(runId, 'agg_1a2b3c4d');
    expect(name).toMatch(/^mmtest_[0-9a-z]+_[0-9a-f]{6}_agg_1a2b3c4d$/);
    expect(name.length).toBeLessThanOrEqual(63); // PostgreSQL's identifier limit
    expect(runCreatedAt(name)).toBe(now - 5 * hour);
    expect(newRunId(now)).not.toBe(newRunId(now));
  });

  it('are leftovers only when older than 6 hours, whatever process created them and wherever', () => {
    const young = runDatabaseName(newRunId(now - 5 * hour), 'tpl_agg');
    const old = runDatabaseName(newRunId(now - 7 * hour), 'tpl_agg');
    expect(isLeftover(young, now)).toBe(false);
    expect(isLeftover(old, now)).toBe(true);
    expect(LEFTOVER_AGE_MS).toBe(6 * hour);
  });

  it('reads the earlier naming by its time, not its process id', () => {
    // A run of another host: its pid means nothing here, so only its age counts.
    const created = (now - hour).toString(36);
    expect(isLeftover(`mm_tpl_agg_4194999_${created}`, now)).toBe(false);
    expect(isLeftover(`mm_t_4194999_${created}_raw_0badf00d`, now)).toBe(false);
    const stale = (now - 7 * hour).toString(36);
    expect(isLeftover(`mm_t_1_${stale}_agg_0badf00d`, now)).toBe(true);
  });

  it('never calls a database that is not a test run’s a leftover', () => {
    for (const name of ['postgres', 'mm_nist_agg', 'mm_nist_mazak01', 'mmtest_', 'mmtest_zz', 'test'])
      expect(isLeftover(name, now + 100 * 365 * 24 * hour), name).toBe(false);
  });
});
