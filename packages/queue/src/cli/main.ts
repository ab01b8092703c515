// `pnpm etl enqueue …` (see `pnpm etl enqueue --help`): the only place that touches process state.
import { runEnqueueCli } from './enqueue-cli.ts';

const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
process.exitCode = await runEnqueueCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: abort.signal,
});
