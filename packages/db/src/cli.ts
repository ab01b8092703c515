// `node packages/db/dist/cli.js migrate [--wait <seconds>]` (compose's migrate service); developers run
// it as `pnpm db:migrate`.
import { migrateCommand } from './migrate-command.ts';

const [command, ...options] = process.argv.slice(2);
if (command === 'migrate') {
  process.exitCode = await migrateCommand(options);
} else {
  console.error(
    `db: ${command === undefined ? 'missing command' : `unknown command '${command}'`} (migrate)`,
  );
  process.exitCode = 2;
}
