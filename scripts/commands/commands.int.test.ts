import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { rawCommands } from '../../packages/raw/src/cli/run.ts';
import type { Command } from './command.ts';
import { verbs } from './command-table.ts';
import { dispatch } from './dispatch.ts';

// The root command surface as a developer meets it: processes started the way package.json starts
// them, their exit status and output checked.

const root = fileURLToPath(new URL('../../', import.meta.url));
const scripts = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts as Record<string, string>;

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/cli.ts', ...args],
      { cwd: root, encoding: 'utf8' },
    );
    return { status: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { status: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Every `<verb>` and `<verb> <sub>` the list shows, as argument lists. */
const listed = verbs.flatMap((v) => [[v.name], ...(v.subcommands ?? []).map((s) => [v.name, s.name])]);

describe('pnpm <command>', () => {
  it('has one root script per command, each through the dispatcher (the demo directly, below)', () => {
    expect(Object.keys(scripts).sort()).toEqual(verbs.map((v) => v.name).sort());
    for (const verb of verbs) {
      // The demo reads its own arguments and is stopped by Ctrl-C to its process group: nothing between.
      const expected =
        verb.name === 'start'
          ? 'exec node --import tsx apps/demo/src/cli/main.ts'
          : `exec node --import tsx scripts/cli.ts ${verb.name}`;
      expect(scripts[verb.name], verb.name).toBe(expected);
    }
  });

  it('lists every command and subcommand, one line each', async () => {
    const run = await cli('commands');
    expect(run.status).toBe(0);
    for (const args of listed) {
      const name = args.at(-1)!;
      expect(
        run.stdout.split('\n').filter((l) => l.trim().startsWith(`${name} `)).length,
        name,
      ).toBeGreaterThan(0);
    }
    // One line per command, plus the usage line and a blank line.
    expect(run.stdout.trim().split('\n')).toHaveLength(listed.length + 2);
  });

  it('lists the raw tools pnpm raw itself has, with the same summaries', () => {
    const raw = verbs.find((v) => v.name === 'raw')!;
    expect(raw.subcommands!.map((s) => [s.name, s.summary])).toEqual(
      Object.entries(rawCommands).map(([name, c]) => [name, c.summary]),
    );
  });

  // A command with a `usage` in the table never loads its program for `--help`: the dispatcher
  // answers, the same code in this process as in a spawned one (one spawn below shows the process
  // path). A command without one answers `--help` itself, so only its own process can tell.
  const answersItself = (args: string[]) => {
    const verb = verbs.find((v) => v.name === args[0])!;
    const command: (Partial<Command> & { subcommands?: unknown }) | undefined =
      args.length === 1 ? verb : verb.subcommands?.find((s) => s.name === args[1]);
    // A group's `--help` (its list) is the dispatcher's.
    return command !== undefined && command.subcommands === undefined && command.usage === undefined;
  };
  const usageOf = (args: string[]) => new RegExp(`usage: pnpm ${args.join(' ')}\\b`);

  it.each(listed.filter(answersItself).map((args) => [args.join(' '), args]))(
    '%s --help (its program answers) prints its usage and exits 0',
    { timeout: 60_000 },
    async (_, args) => {
      const run = await cli(...args, '--help');
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toMatch(usageOf(args));
    },
  );

  it('every other command and group answers --help from the table with its usage and exit 0', async () => {
    const others = listed.filter((args) => !answersItself(args));
    expect(others.length).toBeGreaterThan(20);
    for (const args of others) {
      const out: string[] = [];
      const err: string[] = [];
      const status = await dispatch([...args, '--help'], verbs, {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
      });
      expect({ args, status, err }).toEqual({ args, status: 0, err: [] });
      // `pnpm commands` lists; the others print a usage naming themselves.
      expect(out.join('\n'), args.join(' ')).toMatch(usageOf(args));
    }
    const spawned = await cli('lint', '--help');
    expect({ status: spawned.status, stderr: spawned.stderr }).toEqual({ status: 0, stderr: '' });
    expect(spawned.stdout).toMatch(usageOf(['lint']));
  });

  it('refuses an unknown command with exit 2 and the list', async () => {
    const run = await cli('deploy-everything');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("pnpm: unknown command 'deploy-everything'");
    for (const verb of verbs) expect(run.stderr).toContain(`  ${verb.name} `);
  });

  it('refuses an unknown or missing subcommand with exit 2 and its group', async () => {
    for (const [args, message] of [
      [['bench', 'everything'], "pnpm bench: unknown subcommand 'everything'"],
      [['etl'], 'pnpm etl: missing subcommand'],
    ] as const) {
      const run = await cli(...args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
      const group = verbs.find((v) => v.name === args[0])!;
      for (const sub of group.subcommands!) expect(run.stderr).toContain(`  ${sub.name} `);
    }
  });

  it('hands a subcommand its arguments unchanged: etl run refuses a bad day by its own words', async () => {
    const run = await cli('etl', 'run', 'all', '2024-02-30');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^etl: .*2024-02-30/);
  });
});
