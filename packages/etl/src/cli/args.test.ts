import { describe, expect, it } from 'vitest';
import { dayProblem, type ParsedArgs, parseArgs, selectMachines, usage } from './args.ts';

const knownEtls = ['sensor-stats', 'machine-activity', 'programs', 'alerts', 'energy'];
const parse = (line: string): ParsedArgs =>
  parseArgs(line.split(' ').filter(Boolean), { knownEtls, defaultConcurrency: 2 });
const errorOf = (line: string) => {
  const parsed = parse(line);
  if (parsed.kind !== 'error') throw new Error(`expected an error for '${line}', got ${parsed.kind}`);
  return parsed.message;
};

describe('parseArgs', () => {
  it('one day: from and to are the same day', () => {
    expect(parse('run sensor-stats 2024-03-31')).toEqual({
      kind: 'run',
      args: { etls: ['sensor-stats'], from: '2024-03-31', to: '2024-03-31', machines: [], concurrency: 2 },
    });
  });

  it('an inclusive range, all ETLs in registry order', () => {
    expect(parse('run all 2024-03-01 2024-03-31')).toEqual({
      kind: 'run',
      args: { etls: knownEtls, from: '2024-03-01', to: '2024-03-31', machines: [], concurrency: 2 },
    });
  });

  it('no dates is a full backfill', () => {
    const parsed = parse('run energy');
    expect(parsed).toMatchObject({ kind: 'run', args: { etls: ['energy'], from: null, to: null } });
  });

  it('a comma-separated list keeps registry order and drops repeats', () => {
    expect(parse('run energy,sensor-stats,energy')).toMatchObject({
      args: { etls: ['sensor-stats', 'energy'] },
    });
  });

  it('flags before, between and after positionals, with a space or =', () => {
    const a = parse('--machine press-07 run all --concurrency 4 2024-01-01 --machine=lathe-2 2024-01-02');
    expect(a).toEqual({
      kind: 'run',
      args: {
        etls: knownEtls,
        from: '2024-01-01',
        to: '2024-01-02',
        machines: ['press-07', 'lathe-2'],
        concurrency: 4,
      },
    });
    expect(parse('run all --concurrency=1')).toMatchObject({ args: { concurrency: 1 } });
    expect(parse('run all --machine a --machine a')).toMatchObject({ args: { machines: ['a'] } });
  });

  it('help', () => {
    expect(parse('--help')).toEqual({ kind: 'help' });
    expect(parse('run all -h')).toEqual({ kind: 'help' });
  });

  it('rejects malformed and impossible dates', () => {
    expect(errorOf('run all 2024-2-3')).toBe("'2024-2-3' is not a date (expected YYYY-MM-DD)");
    expect(errorOf('run all 31/03/2024')).toMatch(/not a date/);
    expect(errorOf('run all 2024-02-30')).toBe("'2024-02-30' is not a valid date (2024-02 has 29 days)");
    expect(errorOf('run all 2023-02-29')).toBe("'2023-02-29' is not a valid date (2023-02 has 28 days)");
    expect(errorOf('run all 2024-01-01 2024-13-01')).toBe(
      "'2024-13-01' is not a valid date (there is no month 13)",
    );
    expect(errorOf('run all 2024-04-00')).toMatch(/2024-04 has 30 days/);
  });

  it('rejects from after to', () => {
    expect(errorOf('run all 2024-03-02 2024-03-01')).toBe('from (2024-03-02) is after to (2024-03-01)');
  });

  it('rejects unknown ETLs, listing the known ones', () => {
    expect(errorOf('run foo')).toBe(
      "unknown ETL 'foo' (known: sensor-stats, machine-activity, programs, alerts, energy, or all)",
    );
    expect(errorOf('run energy,bar')).toMatch(/^unknown ETL 'bar'/);
  });

  it('rejects unknown flags, missing values and bad concurrency', () => {
    expect(errorOf('run all --dry-run')).toBe("unknown option '--dry-run'");
    expect(errorOf('run all -x')).toBe("unknown option '-x'");
    expect(errorOf('run all --machine')).toBe('--machine needs a value');
    expect(errorOf('run all --machine --concurrency 2')).toBe('--machine needs a value');
    expect(errorOf('run all --machine=')).toBe('--machine needs a value');
    for (const bad of ['0', '-1', '1.5', 'two', '65'])
      expect(errorOf(`run all --concurrency ${bad}`)).toMatch(/^--concurrency must be a whole number/);
  });

  it('rejects a missing or unknown command, a missing ETL and extra arguments', () => {
    expect(errorOf('')).toBe('missing command (run)');
    expect(errorOf('backfill all')).toBe("unknown command 'backfill'");
    expect(errorOf('run')).toMatch(/^missing the ETL/);
    expect(errorOf('run all 2024-01-01 2024-01-02 2024-01-03')).toBe("unexpected argument '2024-01-03'");
  });

  it('the usage names every known ETL and the default concurrency', () => {
    const text = usage(knownEtls, 8);
    expect(text.split('\n')[0]).toBe(
      'usage: pnpm etl run <etl|all> [from [to]] [--machine <id>] [--concurrency N]',
    );
    expect(text).toContain('sensor-stats, machine-activity, programs, alerts, energy');
    expect(text).toContain('default 8');
  });
});

describe('dayProblem', () => {
  it('accepts leap days and rejects everything else', () => {
    expect(dayProblem('2024-02-29')).toBeNull();
    expect(dayProblem('2000-02-29')).toBeNull();
    expect(dayProblem('1900-02-29')).toMatch(/28 days/);
    expect(dayProblem("2024-01-01' or 1=1")).toMatch(/not a date/);
  });
  it('refuses years outside the supported range, as every other producer does', () => {
    expect(dayProblem('0001-01-01')).toBe(
      "'0001-01-01' is outside the supported dates 1970-01-01 to 2099-12-31",
    );
    expect(dayProblem('9999-12-31')).toMatch(/outside the supported dates/);
  });
});

describe('selectMachines', () => {
  const machines = [{ id: 'press-07' }, { id: 'lathe-2' }, { id: 'mill-1' }];
  it('all machines when none named, else the named ones in configuration order', () => {
    expect(selectMachines(machines, [])).toEqual(machines);
    expect(selectMachines(machines, ['mill-1', 'press-07'])).toEqual([{ id: 'press-07' }, { id: 'mill-1' }]);
  });
  it('an unknown machine is an error listing the configured ones', () => {
    expect(selectMachines(machines, ['press-08'])).toEqual({
      error: "unknown machine 'press-08' (configured: press-07, lathe-2, mill-1)",
    });
  });
});
