import type { Redis } from 'ioredis';

/** One dependency a process needs: a name for the reasons (`redis`), and how to ask it whether it answers. */
export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answered; rejects (or never settles) when it did not. */
  probe(): Promise<unknown>;
}

/** The last result of every check: ready when all answered, else one reason per silent dependency. */
export interface ReadinessState {
  ready: boolean;
  /** `<name>: <why>`, one per check that failed its last probe (or has not answered yet). */
  reasons: string[];
  /** When each check last answered (ISO instant), `null` when it never did. */
  lastOk: Record<string, string | null>;
}

export interface Readiness {
  /** The state as of the last probes (never waits). */
  state(): ReadinessState;
  /** Stops probing (the process is shutting down). */
  stop(): void;
}

export interface ReadinessOptions {
  checks: readonly ReadinessCheck[];
  /** Pause between probes of a check (default 1 s). */
  intervalMs?: number;
  /** A probe that has not answered after this long fails (default 2 s). */
  timeoutMs?: number;
  /** Told when a check's result flips (to log it): `reason` is `null` when it answers again. */
  onChange?: (name: string, reason: string | null) => void;
}

interface CheckState {
  reason: string | null;
  lastOk: string | null;
  inFlight: boolean;
}

/**
 * Probes each dependency on its own timer and keeps the last result, so a readiness endpoint answers
 * at once from memory and turns "not ready" within `intervalMs + timeoutMs` of a dependency going
 * silent, including when its packets are dropped rather than refused (the probe's own timeout, not
 * the socket's, decides). A probe still pending from an earlier round is not started again: the check
 * stays failed until that one answers, so a dead link never piles probes up.
 *
 * @example
 * const readiness = startReadiness({ checks: [redisCheck(redis), { name: 'aggregation database', probe: () => sql`select 1`.execute(db) }] });
 * readiness.state(); // { ready: false, reasons: ['redis: no answer within 2000 ms'], ... }
 */
export function startReadiness(options: ReadinessOptions): Readiness {
  const intervalMs = options.intervalMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const states = new Map<string, CheckState>(
    options.checks.map((c) => [c.name, { reason: 'not probed yet', lastOk: null, inFlight: false }]),
  );
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const settle = (check: ReadinessCheck, state: CheckState, reason: string | null) => {
    if (reason === null) state.lastOk = new Date().toISOString();
    const flipped = (state.reason === null) !== (reason === null);
    state.reason = reason;
    if (flipped && !stopped) options.onChange?.(check.name, reason);
  };

  const probe = (check: ReadinessCheck) => {
    const state = states.get(check.name) as CheckState;
    if (state.inFlight) return; // still waiting for the earlier probe: its timeout already failed the check
    state.inFlight = true;
    const timer = setTimeout(() => {
      settle(check, state, `no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    timer.unref();
    let attempt: Promise<unknown>;
    try {
      attempt = Promise.resolve(check.probe());
    } catch (error) {
      attempt = Promise.reject(error);
    }
    attempt.then(
      () => {
        clearTimeout(timer);
        state.inFlight = false;
        // A late answer still proves the dependency answers now.
        settle(check, state, null);
      },
      (error: unknown) => {
        clearTimeout(timer);
        state.inFlight = false;
        settle(check, state, oneLine(error));
      },
    );
  };

  for (const check of options.checks) {
    probe(check);
    const timer = setInterval(() => probe(check), intervalMs);
    timer.unref();
    timers.add(timer);
  }

  return {
    state() {
      const reasons: string[] = [];
      const lastOk: Record<string, string | null> = {};
      for (const [name, state] of states) {
        if (state.reason !== null) reasons.push(`${name}: ${state.reason}`);
        lastOk[name] = state.lastOk;
      }
      return { ready: reasons.length === 0, reasons, lastOk };
    },
    stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      timers.clear();
    },
  };
}

/** A short reason without credentials or stack: the error's message, one line, bounded. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.replace(/\s+/g, ' ').trim() || 'failed';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/**
 * Redis answers `PING` on `redis` (the connection the process works with, so its state is the one
 * that matters). Not connected: fails at once, saying the connection's state.
 *
 * @example
 * startReadiness({ checks: [redisCheck(redis)] });
 */
export function redisCheck(redis: Redis, name = 'redis'): ReadinessCheck {
  return {
    name,
    async probe() {
      if (redis.status !== 'ready') throw new Error(`connection ${redis.status}`);
      await redis.ping();
    },
  };
}
