/** A check's answer: true (or nothing) when it passes; false or a thrown error when it does not. */
export type Check = () => boolean | undefined | Promise<boolean | undefined | unknown>;

export interface Verdict {
  ok: boolean;
  /** Each check by name: `ok` or `down`. */
  checks: Record<string, 'ok' | 'down'>;
}

/**
 * Named checks of a process, evaluated together with a time limit each: a dependency that hangs
 * (Redis under `DEBUG SLEEP`, a database that accepts connections and never answers) counts as down
 * rather than making the probe hang. Readiness ("send me work": Redis and the databases answer, not
 * stopping) and liveness ("restart me if not": the process's own machinery runs) are two of these,
 * kept apart so an outage of a dependency never gets a healthy process restarted.
 *
 * @example
 * const readiness = new Checks();
 * readiness.add('redis', () => redis.ping());
 * (await readiness.evaluate()).ok;
 */
export class Checks {
  private readonly checks = new Map<string, Check>();

  constructor(private readonly timeoutMs = 2_000) {}

  /** Adds (or replaces) the check `name`. */
  add(name: string, check: Check): this {
    this.checks.set(name, check);
    return this;
  }

  async evaluate(): Promise<Verdict> {
    const entries = [...this.checks];
    const states = await Promise.all(entries.map(([, check]) => passes(check, this.timeoutMs)));
    const checks = Object.fromEntries(entries.map(([name], i) => [name, states[i] ? 'ok' : 'down'] as const));
    return { ok: states.every(Boolean), checks };
  }
}

async function passes(check: Check, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const answer = await Promise.race([Promise.resolve().then(check), late]);
    return answer !== false;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
