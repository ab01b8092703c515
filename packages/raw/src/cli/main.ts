// `pnpm raw <command>`: tools that write raw databases this product owns (never a logger's).
import { runRawCli } from './run.ts';

process.exitCode = await runRawCli(process.argv.slice(2));
