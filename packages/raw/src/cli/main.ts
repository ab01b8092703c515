// `pnpm raw <command>`: tools that write raw databases this product owns (never a logger's).
import { importShdrCommand } from '../shdr/cli.ts';
import { simulateCommand } from './simulate.ts';

const commands: Record<string, (args: string[]) => Promise<number>> = {
  'import-shdr': importShdrCommand,
  simulate: simulateCommand,
};

const [command, ...args] = process.argv.slice(2);
const run = command ? commands[command] : undefined;
if (!run) {
  console.error(`usage: pnpm raw <${Object.keys(commands).join('|') || 'command'}> [options]`);
  process.exit(2);
}
process.exitCode = await run(args);
