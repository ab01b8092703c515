import { runCli } from './cli.ts';

/**
 * `pnpm etl run …` on this process (its stdio, environment and Ctrl-C); resolves to the exit status.
 * The first Ctrl-C finishes the days that are running, then summarises; the second stops now.
 *
 * @example
 * process.exitCode = await etlCommand(['run', 'all', '2024-03-31']);
 */
export async function etlCommand(argv: readonly string[]): Promise<number> {
  const abort = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(
      '\netl: interrupted, finishing the days already running (Ctrl-C again to stop now)\n',
    );
    abort.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await runCli(argv, {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      signal: abort.signal,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
