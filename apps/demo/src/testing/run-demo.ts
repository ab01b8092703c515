import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The line the demo prints once it serves: everything before it is the start. */
export const READY_LINE = 'Ctrl-C stops it.';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const demoDir = fileURLToPath(new URL('../../', import.meta.url));
const mainTs = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

/** How {@link runDemo} starts the demo. */
export interface DemoCommand {
  /**
   * `pnpm start` from the repository root, in a process group of its own so a signal reaches pnpm,
   * any shell and the demo together, as Ctrl-C in a terminal does; or `main.ts` under node with
   * tsx's loader, one process, for a test about the demo itself and not pnpm.
   */
  via: 'pnpm start' | 'node';
  /** The whole environment: nothing of the test's is passed on unless it is here. */
  env: Record<string, string | undefined>;
  /** How long the start may take until {@link READY_LINE}. */
  readyWithinMs: number;
}

/** A started demo, ready. */
export interface RunningDemo {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr as they came. */
  output(): string;
  /** Sends `signal` to the demo (to its process group, when started through pnpm). */
  signal(signal: NodeJS.Signals): void;
  /** Its exit, once it exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the demo, waits until it prints {@link READY_LINE}, and runs `whileReady` with it. A demo
 * still running when `whileReady` ends or throws is killed (SIGKILL) and awaited, so none outlives
 * its test; one that exits or stays silent before it is ready fails with what it printed.
 *
 * @example
 * const out = await runDemo({ via: 'pnpm start', env, readyWithinMs: 150_000 }, async (demo) => {
 *   demo.signal('SIGINT');
 *   expect(await demo.exited).toEqual({ code: 0, signal: null });
 *   return demo.output();
 * });
 */
export async function runDemo<T>(
  command: DemoCommand,
  whileReady: (demo: RunningDemo) => Promise<T>,
): Promise<T> {
  const group = command.via === 'pnpm start';
  const child = group
    ? spawn('pnpm', ['start'], {
        cwd: repoRoot,
        detached: true,
        env: command.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, ['--import', 'tsx', mainTs], {
        cwd: demoDir,
        env: command.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const demo: RunningDemo = {
    child,
    output: () => out,
    signal: (signal) => {
      if (group && child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
    },
    exited,
  };
  // Ready as soon as the line arrives, not at the next turn of a polling loop.
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the demo was not ready within ${command.readyWithinMs} ms:\n${out}`)),
      command.readyWithinMs,
    );
    const take = (chunk: Buffer) => {
      out += String(chunk);
      if (out.includes(READY_LINE)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
  try {
    await ready;
    return await whileReady(demo);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      demo.signal('SIGKILL');
      await exited;
    }
  }
}
