import type { Command, Verb } from './command.ts';

export interface DispatchIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const consoleIo: DispatchIo = { out: (t) => console.log(t), err: (t) => console.error(t) };
const isHelp = (arg: string) => arg === '--help' || arg === '-h';

/**
 * Every command, one line each: the verbs, each group's subcommands indented under it.
 *
 * @example
 * commandList([{ name: 'lint', summary: 'check formatting and lint rules', run }]);
 * // 'usage: pnpm <command> [<subcommand>] [options]   (pnpm <command> --help for its usage)\n\n  lint …'
 */
export function commandList(verbs: readonly Verb[]): string {
  const width = Math.max(
    ...verbs.flatMap((v) => [v.name.length, ...(v.subcommands ?? []).map((s) => s.name.length + 2)]),
  );
  const lines = verbs.flatMap((v) => [
    `  ${v.name.padEnd(width)}  ${v.summary}`,
    ...(v.subcommands ?? []).map((s) => `    ${s.name.padEnd(width - 2)}  ${s.summary}`),
  ]);
  return [
    'usage: pnpm <command> [<subcommand>] [options]   (pnpm <command> [<subcommand>] --help: its usage)',
    '',
    ...lines,
  ].join('\n');
}

function groupUsage(verb: Verb & { subcommands: Command[] }): string {
  const width = Math.max(...verb.subcommands.map((s) => s.name.length));
  return [
    `usage: pnpm ${verb.name} <${verb.subcommands.map((s) => s.name).join('|')}> [options]`,
    '',
    verb.summary,
    ...verb.subcommands.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    '',
    `pnpm ${verb.name} <subcommand> --help: its usage`,
  ].join('\n');
}

/**
 * Maps `<verb> [<sub>] args…` to its command and runs it with `args`; resolves to the exit status.
 * No verb (or `--help`) lists every command, exit 0; an unknown verb or subcommand, or a group
 * without its subcommand, prints what exists and exits 2. `--help` anywhere in the arguments of a
 * command with a `usage` prints it instead of running (exit 0); other commands answer it themselves.
 *
 * @example
 * process.exitCode = await dispatch(['etl', 'run', 'all', '2024-03-31'], verbs);
 */
export async function dispatch(
  argv: readonly string[],
  verbs: readonly Verb[],
  io: DispatchIo = consoleIo,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || isHelp(name)) {
    io.out(commandList(verbs));
    return 0;
  }
  const verb = verbs.find((v) => v.name === name);
  if (verb === undefined) {
    io.err(`pnpm: unknown command '${name}'\n\n${commandList(verbs)}`);
    return 2;
  }
  if (verb.subcommands === undefined) return runCommand(verb, rest, io);
  const [subName, ...args] = rest;
  if (subName !== undefined && isHelp(subName)) {
    io.out(groupUsage(verb));
    return 0;
  }
  const sub = verb.subcommands.find((s) => s.name === subName);
  if (sub === undefined) {
    const what = subName === undefined ? 'missing subcommand' : `unknown subcommand '${subName}'`;
    io.err(`pnpm ${verb.name}: ${what}\n\n${groupUsage(verb)}`);
    return 2;
  }
  return runCommand(sub, args, io);
}

function runCommand(command: Command, args: string[], io: DispatchIo): Promise<number> {
  if (command.usage !== undefined && args.some(isHelp)) {
    io.out(command.usage);
    return Promise.resolve(0);
  }
  return command.run(args);
}
