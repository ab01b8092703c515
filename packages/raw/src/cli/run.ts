import { importShdrCommand } from '../shdr/cli.ts';
import { simulateCommand } from './simulate.ts';

/** The commands of `pnpm raw`, each with what it does in one line. */
export const rawCommands: Record<string, { run: (args: string[]) => Promise<number>; summary: string }> = {
  'import-shdr': {
    run: importShdrCommand,
    summary: 'import MTConnect SHDR logs (files or a folder with Devices.xml) into a raw database',
  },
  simulate: {
    run: simulateCommand,
    summary: 'write a deterministic simulated logger-profile machine into a raw database',
  },
};

export const RAW_USAGE = `usage: pnpm raw <command> [options]

Tools that write raw (logger-schema) databases this product owns, never a logger's own:
${Object.entries(rawCommands)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

pnpm raw <command> --help   the command's options`;

/**
 * `pnpm raw`: runs a command with its arguments, or prints the usage; resolves to the exit code: 0
 * done (or help asked for), 2 no or unknown command, else the command's own.
 *
 * @example
 * process.exitCode = await runRawCli(process.argv.slice(2));
 */
export async function runRawCli(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(RAW_USAGE);
    return 0;
  }
  const entry = command ? rawCommands[command] : undefined;
  if (!entry) {
    console.error(`${command ? `raw: unknown command '${command}'\n\n` : ''}${RAW_USAGE}`);
    return 2;
  }
  return entry.run(args);
}
