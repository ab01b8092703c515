// `node packages/queue/dist/cli/main.js …` (the image); developers run it as `pnpm etl enqueue …`.
import { enqueueCommand } from './enqueue-command.ts';

process.exitCode = await enqueueCommand(process.argv.slice(2));
