import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** The Node binary and the loader every TypeScript program runs with (the root's tsx). */
export const TSX_NODE = [process.execPath, '--import', import.meta.resolve('tsx')];

/**
 * Runs a program to its end with this process's terminal and resolves to its exit status (128 + the
 * signal's number when a signal ended it, as a shell reports it).
 *
 * SIGTERM and SIGHUP (a supervisor, `kill`, pnpm passing on its own) are handed to the program, which
 * decides how to stop. SIGINT is not: Ctrl-C reaches the whole foreground process group, the program
 * included, and a second copy would read as a second Ctrl-C ("stop now") to programs that count them.
 * This process only stays alive until the program has finished.
 */
export async function runChild(command: readonly string[], args: readonly string[], cwd?: string) {
  const [file, ...fixed] = command;
  if (file === undefined) throw new Error('runChild: no command');
  const child = spawn(file, [...fixed, ...args], { stdio: 'inherit', ...(cwd ? { cwd } : {}) });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = {
    SIGTERM: forward('SIGTERM'),
    SIGHUP: forward('SIGHUP'),
    SIGINT: () => {},
  } satisfies Partial<Record<NodeJS.Signals, () => void>>;
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
      });
    });
  } finally {
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  }
}
