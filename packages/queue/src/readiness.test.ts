import { describe, expect, it } from 'vitest';
import { startReadiness } from './readiness.ts';

// The probe scheduler alone, with probes the test controls (no I/O): how fast a silent dependency
// turns the state not ready, what the reason says, and that it recovers.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startReadiness', () => {
  it('is not ready before the first answers, ready once every check answered', async () => {
    const readiness = startReadiness({
      checks: [
        { name: 'redis', probe: () => sleep(30) },
        { name: 'aggregation database', probe: () => sleep(30) },
      ],
      intervalMs: 50,
      timeoutMs: 200,
    });
    try {
      expect(readiness.state()).toMatchObject({
        ready: false,
        reasons: ['redis: not probed yet', 'aggregation database: not probed yet'],
      });
      await sleep(100);
      expect(readiness.state()).toMatchObject({ ready: true, reasons: [] });
    } finally {
      readiness.stop();
    }
  });

  it('turns not ready within interval + timeout when a probe never answers (packets dropped), and back when it does', async () => {
    let silent = false;
    const hanging: Array<() => void> = [];
    let probes = 0;
    const changes: Array<[string, string | null]> = [];
    const readiness = startReadiness({
      checks: [
        {
          name: 'redis',
          probe: () => {
            probes++;
            return silent ? new Promise<void>((resolve) => hanging.push(resolve)) : Promise.resolve();
          },
        },
        { name: 'aggregation database', probe: async () => {} },
      ],
      intervalMs: 50,
      timeoutMs: 150,
      onChange: (name, reason) => changes.push([name, reason]),
    });
    try {
      await sleep(60);
      expect(readiness.state().ready).toBe(true);
      silent = true;
      const cut = performance.now();
      while (readiness.state().ready) await sleep(5);
      const tookMs = performance.now() - cut;
      // interval + timeout (200 ms), with room for timers late on a loaded machine
      expect(tookMs).toBeLessThan(1_000);
      expect(readiness.state().reasons).toEqual(['redis: no answer within 150 ms']);
      // One probe in flight at a time: the dead link does not pile them up.
      const before = probes;
      await sleep(200);
      expect(probes).toBe(before);

      silent = false;
      for (const resolve of hanging.splice(0)) resolve(); // the link heals: the pending PING answers
      await sleep(80);
      expect(readiness.state()).toMatchObject({ ready: true, reasons: [] });
      expect(changes.slice(0, 2).sort()).toEqual([
        ['aggregation database', null],
        ['redis', null],
      ]);
      expect(changes.slice(2)).toEqual([
        ['redis', 'no answer within 150 ms'],
        ['redis', null],
      ]);
    } finally {
      readiness.stop();
    }
  });

  it('gives the reason of a probe that fails, on one line', async () => {
    const readiness = startReadiness({
      checks: [
        {
          name: 'redis',
          probe: async () => Promise.reject(new Error('connect ECONNREFUSED\n 10.0.0.5:6379')),
        },
      ],
      intervalMs: 50,
    });
    try {
      await sleep(20);
      expect(readiness.state()).toMatchObject({
        ready: false,
        reasons: ['redis: connect ECONNREFUSED 10.0.0.5:6379'],
      });
    } finally {
      readiness.stop();
    }
  });
});
