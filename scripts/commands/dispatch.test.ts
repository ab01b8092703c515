import { describe, expect, it } from 'vitest';
import type { Verb } from './command.ts';
import { commandList, dispatch } from './dispatch.ts';

/** A table whose commands record the arguments they were given and answer with a chosen status. */
function table() {
  const calls: Array<[string, string[]]> = [];
  const command = (name: string, status = 0, ownHelp = false) => ({
    name,
    summary: `the ${name} command`,
    ...(ownHelp ? {} : { usage: `usage: ${name}` }),
    run: async (args: string[]) => {
      calls.push([name, args]);
      return status;
    },
  });
  const verbs: Verb[] = [
    command('lint'),
    command('fails', 3),
    { name: 'etl', summary: 'the ETLs', subcommands: [command('run'), command('enqueue', 0, true)] },
  ];
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  return { verbs, calls, out, err, io };
}

describe('dispatch', () => {
  it('hands a subcommand exactly the arguments after its name, and returns its status', async () => {
    const t = table();
    expect(await dispatch(['etl', 'run', 'all', '2024-03-31', '--machine', 'p7'], t.verbs, t.io)).toBe(0);
    expect(await dispatch(['fails', '--x'], t.verbs, t.io)).toBe(3);
    expect(t.calls).toEqual([
      ['run', ['all', '2024-03-31', '--machine', 'p7']],
      ['fails', ['--x']],
    ]);
  });

  it('prints the usage for --help instead of running, unless the command answers it itself', async () => {
    const t = table();
    expect(await dispatch(['etl', 'run', 'all', '--help'], t.verbs, t.io)).toBe(0);
    expect(await dispatch(['etl', 'enqueue', '-h'], t.verbs, t.io)).toBe(0);
    expect(t.out).toEqual(['usage: run']);
    expect(t.calls).toEqual([['enqueue', ['-h']]]);
  });

  it('lists every command with no arguments or --help', async () => {
    const t = table();
    expect(await dispatch([], t.verbs, t.io)).toBe(0);
    expect(await dispatch(['--help'], t.verbs, t.io)).toBe(0);
    expect(t.out).toEqual([commandList(t.verbs), commandList(t.verbs)]);
    expect(commandList(t.verbs).split('\n').slice(2)).toEqual([
      '  lint       the lint command',
      '  fails      the fails command',
      '  etl        the ETLs',
      '    run      the run command',
      '    enqueue  the enqueue command',
    ]);
  });

  it('refuses an unknown command with the list, and runs nothing', async () => {
    const t = table();
    expect(await dispatch(['lnit'], t.verbs, t.io)).toBe(2);
    expect(t.err).toEqual([`pnpm: unknown command 'lnit'\n\n${commandList(t.verbs)}`]);
    expect(t.calls).toEqual([]);
  });

  it("refuses an unknown or missing subcommand with its group's list; --help on the group lists it", async () => {
    const t = table();
    expect(await dispatch(['etl', 'walk'], t.verbs, t.io)).toBe(2);
    expect(await dispatch(['etl'], t.verbs, t.io)).toBe(2);
    expect(await dispatch(['etl', '--help'], t.verbs, t.io)).toBe(0);
    expect(t.err[0]).toMatch(/^pnpm etl: unknown subcommand 'walk'\n\nusage: pnpm etl <run\|enqueue> /);
    expect(t.err[1]).toMatch(/^pnpm etl: missing subcommand\n\nusage: pnpm etl <run\|enqueue> /);
    expect(t.out[0]).toMatch(
      /^usage: pnpm etl <run\|enqueue> \[options\]\n\nthe ETLs\n {2}run {6}the run command\n/,
    );
    expect(t.calls).toEqual([]);
  });
});
