/**
 * The process's job concurrency across all its ETL queues (BullMQ's concurrency is per queue): a job
 * waits here for one of `size` places. `close()` turns every waiter away (they go back to the queue)
 * so a draining worker only finishes the jobs that already run.
 *
 * @example
 * const gate = new JobGate(2);
 * if (await gate.enter()) try { … } finally { gate.leave(); }
 */
export class JobGate {
  private running = 0;
  private closed = false;
  private readonly waiters: Array<(entered: boolean) => void> = [];

  constructor(readonly size: number) {}

  /** Jobs running now. */
  get active(): number {
    return this.running;
  }

  /** Resolves `true` once a place is free, or `false` when the gate closed meanwhile. */
  enter(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.running < this.size) {
      this.running++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  leave(): void {
    const next = this.closed ? undefined : this.waiters.shift();
    if (next) next(true);
    else this.running--;
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(false);
  }
}
