// `pnpm <command> [<subcommand>] …`: every root script of package.json comes here (`pnpm commands`
// lists them; scripts/commands/command-table.ts is the list).
import { verbs } from './commands/command-table.ts';
import { dispatch } from './commands/dispatch.ts';

process.exitCode = await dispatch(process.argv.slice(2), verbs);
