import { createLogger } from '@mm/config';
import { describe, expect, it } from 'vitest';
import { outageLog } from './outage-log.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    app: 'test',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { lines, logger };
}

const refused = () => new Error('connect ECONNREFUSED 127.0.0.1:6379');

describe('outageLog', () => {
  it('says when an outage starts, that it lasts, and when it ends: not once per error', async () => {
    const { lines, logger } = capture();
    const outage = outageLog('Redis', { logger, summaryEveryMs: 20 });
    for (let i = 0; i < 50; i++) outage.error(refused());
    expect(outage.down).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    outage.recovered();
    expect(outage.down).toBe(false);
    const messages = lines.map((l) => l.msg);
    expect(messages[0]).toBe('Redis is unavailable: waiting for it');
    expect(lines[0]).toMatchObject({ level: 40, error: 'connect ECONNREFUSED 127.0.0.1:6379' });
    const summaries = lines.filter((l) => l.msg === 'Redis is still unavailable');
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries.length).toBeLessThanOrEqual(3);
    expect(summaries[0]).toMatchObject({ level: 40, errors: 50 });
    expect(lines.at(-1)).toMatchObject({ level: 30, msg: 'Redis is available again', errors: 50 });
    expect(lines.some((l) => (l.level as number) >= 50)).toBe(false);
  });

  it('starts afresh with the next outage and stays quiet when nothing was down', async () => {
    const { lines, logger } = capture();
    const outage = outageLog('Redis', { logger, summaryEveryMs: 60_000 });
    outage.recovered();
    expect(lines).toEqual([]);
    outage.error(refused());
    outage.recovered();
    outage.error(refused());
    outage.error(refused());
    outage.recovered();
    expect(lines.map((l) => [l.msg, l.errors])).toEqual([
      ['Redis is unavailable: waiting for it', undefined],
      ['Redis is available again', 1],
      ['Redis is unavailable: waiting for it', undefined],
      ['Redis is available again', 2],
    ]);
    outage.close();
  });
});
