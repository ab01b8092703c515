import { snapshot, waitFor } from '@mm/queue-testing';
import { TcpProxy } from '@mm/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  blockedSessions,
  type Deployment,
  deploy,
  foreignTokens,
  openTransactions,
  type Plant,
  progress,
  SLICES,
  secondsSince,
  staleWrites,
  startPlant,
  takenOverAfter,
} from './plant.ts';

// `pnpm test:partitions` (README.md beside this file): three worker hosts, each a network namespace,
// a backfill of 2 machines x 10 days x 5 ETLs, and one fault on host w1 while it runs jobs. Each test
// ends with every slice succeeded, tables identical to the in-process reference, no stale write
// committed, and w1's /readyz having said 503 within READY_BOUND_MS of the cut (faults that cut it
// off). The recovery times are printed as the test runs ("[partitions] …" lines).

/** How soon a worker cut from Redis or its database must say it is not ready (the worker's contract). */
const READY_BOUND_MS = 5_000;
/** With a host gone for good, the other hosts finish the whole backfill within this of the cut. */
const VANISHED_BOUND_MS = 120_000;
/** A backfill with a healed fault finishes within this of the heal. */
const AFTER_HEAL_BOUND_MS = 180_000;
/** How long after the backfill a healed w1 may still have transactions open (a late commit lands in it). */
const SETTLE_MS = 90_000;

const say = (line: string) => process.stdout.write(`[partitions] ${line}\n`);

let plant: Plant;
const deployments: Deployment[] = [];

beforeAll(async () => {
  plant = await startPlant(say);
});

// A test's workers go with it: the next test's workers listen on the same port in the same namespaces.
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.close().catch(() => {});
  for (const host of plant?.network.hosts ?? []) host.restore();
});

afterAll(async () => {
  await plant?.close();
});

interface Fault {
  name: string;
  /** Applies the fault to host w1. */
  inject(): void;
  /** When (ms after the cut) it is healed; `null`: never. */
  healAfterMs: number | null;
  heal?(): void;
  /** Whether w1's /readyz must say 503 within READY_BOUND_MS. */
  unready: boolean;
}

interface Outcome {
  d: Deployment;
  cutAt: Date;
  /** ms from the cut to w1's first 503 (null: never seen). */
  notReadyMs: number | null;
  /** ms from the heal to w1's next 200 (null: never healed or never seen). */
  readyAgainMs: number | null;
  doneMs: number;
  healedAt: number | null;
}

/** Runs the backfill, applies `fault` to w1 while it is inside a transaction, and waits for the end. */
async function runWithFault(
  name: string,
  makeFault: (d: Deployment) => Fault,
  d: Deployment,
): Promise<Outcome> {
  const [w1] = d.workers;
  if (!w1) throw new Error('no worker on w1');
  // The fault must land while w1 is in the middle of a slice, holding its locks (a slice takes
  // milliseconds here: too short to hit by polling). So w1 is parked there: the other hosts' workers
  // are frozen (SIGSTOP) before the backfill is queued, a session of the test holds a lock on
  // alerts_detail, and w1's first alerts slice blocks inside its transaction, after its slice lock
  // and the replace of alerts_daily_count. The fault is applied, then the lock released and the
  // others thawed: w1's session finishes the statement on the server and waits for a client that
  // no longer answers.
  const others = d.workers.slice(1);
  for (const w of others) w.child.kill('SIGSTOP');
  const locker = new pg.Client({ connectionString: plant.pg.urlOf(d.aggName) });
  await locker.connect();
  try {
    await locker.query('begin');
    await locker.query('lock table alerts_detail in access exclusive mode');
    await d.enqueueAll();
    await waitFor(
      'w1 to be parked inside a slice',
      async () => (await blockedSessions(d, w1)) > 0,
      60_000,
      20,
    );
  } catch (error) {
    const state = await progress(d).catch(() => null);
    say(`${name}: w1 not parked; progress ${JSON.stringify(state)}; w1's last log lines:`);
    for (const line of w1.logs.slice(-5)) say(`  ${JSON.stringify(line)}`);
    for (const w of others) w.child.kill('SIGCONT');
    await locker.end();
    throw error;
  }
  const fault = makeFault(d);
  const cutAt = new Date();
  const t0 = performance.now();
  fault.inject();
  await locker.query('rollback');
  await locker.end();
  for (const w of others) w.child.kill('SIGCONT');
  say(`${name}: injected on w1 at ${cutAt.toISOString()}`);

  // w1's readiness, watched from inside its host until the backfill ends.
  let notReadyMs: number | null = null;
  let readyAgainMs: number | null = null;
  let healedAt: number | null = null;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const answer = w1.readyz();
      const now = performance.now();
      if (answer?.status === 503 && notReadyMs === null) {
        notReadyMs = now - t0;
        say(`${name}: w1 not ready after ${(notReadyMs / 1000).toFixed(1)} s: ${answer.body}`);
      }
      if (answer?.status === 200 && healedAt !== null && notReadyMs !== null && readyAgainMs === null) {
        readyAgainMs = now - healedAt;
        say(`${name}: w1 ready again ${(readyAgainMs / 1000).toFixed(1)} s after the heal`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  try {
    // The backfill is watched from the cut on, so a fault the others route around shows when they did.
    const bound = fault.healAfterMs === null ? VANISHED_BOUND_MS : fault.healAfterMs + AFTER_HEAL_BOUND_MS;
    const done = waitFor(
      `every slice to succeed within ${bound / 1000} s of the cut`,
      async () => {
        const p = await progress(d);
        if (p.failed > 0) throw new Error(`a job failed: ${JSON.stringify(p)}`);
        return (p.succeeded === SLICES && p.completed === SLICES && performance.now() - t0) || undefined;
      },
      bound,
      250,
    );
    done.catch(() => {}); // awaited below; a rejection before then is not unhandled
    if (fault.healAfterMs !== null) {
      await new Promise((r) => setTimeout(r, Math.max(0, fault.healAfterMs! - (performance.now() - t0))));
      fault.heal?.();
      healedAt = performance.now();
      say(`${name}: healed after ${secondsSince(t0)} s`);
    }
    const doneMs = await done;
    say(
      `${name}: backfill done +${(doneMs / 1000).toFixed(1)} s after the cut` +
        (healedAt === null || doneMs < fault.healAfterMs!
          ? ', w1 still faulted'
          : `, +${((doneMs - fault.healAfterMs!) / 1000).toFixed(1)} s after the heal`),
    );
    if (fault.healAfterMs !== null) {
      // A late commit of a healed w1 would land now: wait until its sessions hold no transaction.
      await waitFor(
        'w1 to close its transactions',
        async () => (await openTransactions(d, w1)) === 0,
        SETTLE_MS,
        250,
      ).catch(() => say(`${name}: w1 still has open transactions ${SETTLE_MS / 1000} s after the backfill`));
      // …and until it says ready again (a healed worker serves again).
      await waitFor('w1 ready again', async () => readyAgainMs !== null, 60_000, 250).catch(() => {});
    }
    return { d, cutAt, notReadyMs, readyAgainMs, doneMs, healedAt };
  } finally {
    watching = false;
    await watcher;
  }
}

/** What every fault must end with; every property that does not hold is reported at once. */
async function expectSound(name: string, o: Outcome, fault: { unready: boolean; healed: boolean }) {
  const { d } = o;
  const problems: string[] = [];
  const p = await progress(d);
  if (p.succeeded !== SLICES || p.completed !== SLICES || p.failed !== 0 || p.ledgerRows !== SLICES) {
    problems.push(`not every slice succeeded once: ${JSON.stringify(p)}`);
  }
  const [got, want] = [await snapshot(d.agg), await snapshot(plant.reference)];
  const differing = Object.keys(want).filter((t) => JSON.stringify(got[t]) !== JSON.stringify(want[t]));
  if (differing.length > 0) problems.push(`tables differ from the reference run: ${differing.join(', ')}`);

  const stale = await staleWrites(d);
  const tokens = await foreignTokens(d);
  const superseded = d.workers.map((w) => w.counter('mm_worker_slices_superseded_total'));
  const busy = d.workers.map((w) => w.counter('mm_worker_slices_busy_total'));
  const takenOver = await takenOverAfter(d, d.workers[0]!, o.cutAt);
  say(
    `${name}: ${takenOver === null ? 'no slice of w1 was left to others' : `w1's slices started by others +${takenOver.toFixed(1)} s after the cut`}; ` +
      `superseded per host ${superseded.join('/')}, busy ${busy.join('/')}; stale writes ${stale.length}` +
      (tokens === null ? ', ledger has no run_token' : `, slices with a foreign run_token ${tokens.length}`),
  );
  for (const w of stale.slice(0, 5)) {
    problems.push(
      `stale write: ${w.kind} of ${w.machine_id}/${w.etl}/${w.day} committed by ${w.writer} while the newest run was ${w.run_host}'s`,
    );
  }
  if (stale.length > 5) problems.push(`… ${stale.length} stale writes in all`);
  if (tokens === null) problems.push('the ledger has no run_token: nothing fences a late commit');
  else if (tokens.length > 0)
    problems.push(`run_token of a superseded run kept in the ledger: ${tokens.join(', ')}`);

  if (fault.unready) {
    if (o.notReadyMs === null) problems.push("w1's /readyz never said 503 while cut off");
    else if (o.notReadyMs > READY_BOUND_MS) {
      problems.push(
        `w1's /readyz said 503 only ${o.notReadyMs.toFixed(0)} ms after the cut (bound ${READY_BOUND_MS} ms)`,
      );
    }
    if (fault.healed && o.readyAgainMs === null)
      problems.push("w1's /readyz did not say 200 again after the heal");
  }
  expect(problems, name).toEqual([]);
}

function ports(...which: Array<'redis' | 'pg'>): number[] {
  return which.map((w) => (w === 'redis' ? plant.redis.port : plant.pg.port));
}

describe('a worker host partitioned while it runs jobs', () => {
  it('Redis unreachable for 60 s: its jobs go to the others, tables identical', async () => {
    const d = await deploy(plant, 'redis_cut');
    deployments.push(d);
    const w1 = d.workers[0]!.host;
    const o = await runWithFault(
      'redis cut 60 s',
      () => ({
        name: 'redis',
        inject: () => w1.cut(ports('redis')),
        healAfterMs: 60_000,
        heal: () => w1.heal(),
        unready: true,
      }),
      d,
    );
    await expectSound('redis cut 60 s', o, { unready: true, healed: true });
  });

  it('PostgreSQL unreachable for 60 s: tables identical, nothing failed', async () => {
    const d = await deploy(plant, 'pg_cut');
    deployments.push(d);
    const w1 = d.workers[0]!.host;
    const o = await runWithFault(
      'postgres cut 60 s',
      () => ({
        name: 'pg',
        inject: () => w1.cut(ports('pg')),
        healAfterMs: 60_000,
        heal: () => w1.heal(),
        unready: true,
      }),
      d,
    );
    await expectSound('postgres cut 60 s', o, { unready: true, healed: true });
  });

  it('Redis and PostgreSQL unreachable for 90 s: no stale write after the heal', async () => {
    const d = await deploy(plant, 'both_cut');
    deployments.push(d);
    const w1 = d.workers[0]!.host;
    const o = await runWithFault(
      'both cut 90 s',
      () => ({
        name: 'both',
        inject: () => w1.cut(ports('redis', 'pg')),
        healAfterMs: 90_000,
        heal: () => w1.heal(),
        unready: true,
      }),
      d,
    );
    await expectSound('both cut 90 s', o, { unready: true, healed: true });
  });

  it(`link down, never healed: the other hosts finish the backfill within ${VANISHED_BOUND_MS / 1000} s`, async () => {
    const d = await deploy(plant, 'link_down');
    deployments.push(d);
    const w1 = d.workers[0]!.host;
    const o = await runWithFault(
      'link down',
      () => ({ name: 'link', inject: () => w1.linkDown(), healAfterMs: null, unready: true }),
      d,
    );
    await expectSound('link down', o, { unready: true, healed: false });
  });

  it('200-400 ms latency and dropped connections: tables identical', async () => {
    const gateway = plant.network.serviceAddress;
    const relays = {
      pg: await TcpProxy.start({ host: gateway, port: plant.pg.port }, gateway),
      redis: await TcpProxy.start({ host: gateway, port: plant.redis.port }, gateway),
    };
    const all = [relays.pg, relays.redis];
    try {
      const d = await deploy(plant, 'latency', new Map([['w1', relays]]));
      deployments.push(d);
      const o = await runWithFault(
        'latency 200-400 ms',
        () => ({
          name: 'latency',
          inject: () => {
            for (const relay of all) relay.slow({ delayMs: [200, 400], dropChance: 0.03 });
          },
          healAfterMs: null,
          unready: false,
        }),
        d,
      );
      say(`latency 200-400 ms: ${all.reduce((n, r) => n + r.dropped, 0)} connections of w1 cut by the relay`);
      await expectSound('latency 200-400 ms', o, { unready: false, healed: false });
    } finally {
      for (const relay of all) await relay.close();
    }
  });
});
