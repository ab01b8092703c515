import { runEnqueueCli } from './enqueue-cli.ts';

/**
 * `pnpm etl enqueue …` on this process (its stdio, environment and Ctrl-C, which stops waiting);
 * resolves to the exit status.
 *
 * @example
 * process.exitCode = await enqueueCommand(['all', '2024-03-01', '2024-03-31', '--wait']);
 */
export async function enqueueCommand(argv: readonly string[]): Promise<number> {
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once('SIGINT', onInterrupt);
  try {
    return await runEnqueueCli(argv, {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      signal: abort.signal,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
