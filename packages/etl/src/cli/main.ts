// `node packages/etl/dist/cli/main.js …` (the image); developers run it as `pnpm etl run …`.
import { etlCommand } from './etl-command.ts';

process.exitCode = await etlCommand(process.argv.slice(2));
