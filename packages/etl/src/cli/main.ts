// `pnpm etl …` (see `pnpm etl --help`): the only place that touches process state.
import { runCli } from './cli.ts';

const abort = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  // First Ctrl-C: finish the days that are running, then summarise. Second: stop now.
  if (++interrupts > 1) process.exit(130);
  process.stderr.write('\netl: interrupted, finishing the days already running (Ctrl-C again to stop now)\n');
  abort.abort();
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: abort.signal,
});
