import { createLogger } from '@mm/config';
import { describe, expect, it } from 'vitest';
import { WaitAbortedError, waitUntil } from './wait-until.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    app: 'test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { lines, logger };
}

/** Fails `failures` times with `error`, then answers. */
function flaky(failures: number, error = new Error('connect ECONNREFUSED 127.0.0.1:6379')) {
  let calls = 0;
  return {
    attempt: async () => {
      calls += 1;
      if (calls <= failures) throw error;
    },
    calls: () => calls,
  };
}

describe('waitUntil', () => {
  it('keeps trying as long as it takes: one line at the start, a "still waiting" line per period, one when it answers', async () => {
    const { lines, logger } = capture();
    const dependency = flaky(30);
    await waitUntil('Redis', dependency.attempt, { logger, retryMs: 2, reportEveryMs: 20 });
    expect(dependency.calls()).toBe(31);
    const messages = lines.map((l) => l.msg);
    expect(messages[0]).toBe('waiting for Redis');
    expect(messages.at(-1)).toBe('Redis answers');
    const still = messages.filter((m) => m === 'still waiting for Redis').length;
    // 30 failures 2+ ms apart take 60+ ms: at least two periods of 20 ms, far fewer lines than attempts.
    expect(still).toBeGreaterThanOrEqual(2);
    expect(still).toBeLessThan(15);
    expect(lines[0]).toMatchObject({ level: 40, error: 'connect ECONNREFUSED 127.0.0.1:6379' });
  });

  it('logs nothing when the dependency answers at once', async () => {
    const { lines, logger } = capture();
    await waitUntil('Redis', flaky(0).attempt, { logger, retryMs: 1 });
    expect(lines).toEqual([]);
  });

  it('throws an error waiting cannot fix at once', async () => {
    const { logger } = capture();
    const refusal = new Error('maxmemory-policy is allkeys-lru');
    const dependency = flaky(5, refusal);
    await expect(
      waitUntil('Redis', dependency.attempt, { logger, retryMs: 1, permanent: (e) => e === refusal }),
    ).rejects.toBe(refusal);
    expect(dependency.calls()).toBe(1);
  });

  it('gives up when the process is told to stop', async () => {
    const { logger } = capture();
    const stop = new AbortController();
    const waiting = waitUntil('Redis', flaky(Number.POSITIVE_INFINITY).attempt, {
      logger,
      retryMs: 60_000,
      signal: stop.signal,
    });
    setTimeout(() => stop.abort(), 10);
    await expect(waiting).rejects.toBeInstanceOf(WaitAbortedError);
  });
});
