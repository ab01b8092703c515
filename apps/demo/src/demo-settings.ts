import { existsSync, statSync } from 'node:fs';
import { addDays, dateProblem, firstCalendarDate } from '@mm/calendar';
import { NIST_MAZAK01_DIR } from '@mm/raw';

/** What the demo builds and where, resolved from the environment. */
export interface DemoSettings {
  /** Where the demo keeps its PGlite databases, machines file and seed marker. */
  dataDir: string;
  /** The aggregation database: `pglite:<dataDir>/agg` unless `AGG_DATABASE_URL` says otherwise. */
  aggDatabaseUrl: string;
  /** The raw database of a demo machine. */
  rawDatabaseUrl(machineId: string): string;
  /** The NIST Mazak01 SHDR logs (the repository's copy unless `NIST_DIR`); `null` leaves `mazak01` out. */
  nistDir: string | null;
  port: number;
  host: string;
  /** Days of the simulated `press-07`, ending with `lastDay`. */
  days: number;
  /** The simulator's volume knob (1 = a plant-sized logger; the demo uses a tenth). */
  volume: number;
  seed: number;
  /** The simulated machine's last day; `null` means yesterday in its time zone, at seed time. */
  lastDay: string | null;
  /**
   * A demo machine to serve as the original (v1) dashboards expect: first in the machines file (the
   * default of every endpoint, which they never name) and with `v1Compat` set; `null`: none.
   */
  v1Machine: string | null;
}

/** The environment names settings that cannot be used; the message lists every problem. */
export class DemoSettingsError extends Error {
  override name = 'DemoSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid demo settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/** The NIST logs shipped with the repository (`packages/raw/data/nist-mazak01`), absolute. */
export const DEFAULT_NIST_DIR = NIST_MAZAK01_DIR;
export const DEFAULT_DATA_DIR = './.data/demo';

/**
 * Reads the demo's settings from the environment. Relative paths stay relative (the CLI runs from the
 * repository root). `DEMO_RAW_DATABASE_URL` is a template whose `{machine}` becomes the machine id with
 * `-` turned into `_` (`postgres://postgres@127.0.0.1:5432/mm_demo_{machine}`).
 *
 * @example
 * const settings = demoSettingsFromEnv({ PORT: '8080' });
 * settings.aggDatabaseUrl; // 'pglite:./.data/demo/agg'
 */
export function demoSettingsFromEnv(env: Env): DemoSettings {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };

  const dataDir = value('DEMO_DATA_DIR') ?? DEFAULT_DATA_DIR;
  const aggDatabaseUrl = value('AGG_DATABASE_URL') ?? `pglite:${inside(dataDir, 'agg')}`;
  if (!/^(postgres(ql)?:\/\/.+|pglite:.+)$/.test(aggDatabaseUrl)) {
    problems.push('AGG_DATABASE_URL must be a postgres:// URL or pglite:<dir>');
  }
  const rawTemplate = value('DEMO_RAW_DATABASE_URL');
  if (rawTemplate !== undefined && !/^(postgres(ql)?:\/\/.+|pglite:.+)$/.test(rawTemplate)) {
    problems.push('DEMO_RAW_DATABASE_URL must be a postgres:// URL or pglite:<dir> template');
  } else if (rawTemplate !== undefined && !rawTemplate.includes('{machine}')) {
    problems.push('DEMO_RAW_DATABASE_URL must contain {machine} (one raw database per machine)');
  }

  // The repository ships the logs: a checkout without them is damaged, said rather than silently
  // demoing one machine fewer.
  let nistDir: string | null = null;
  const nist = value('NIST_DIR');
  if (nist !== undefined) {
    if (!isDirectory(nist)) problems.push(`NIST_DIR: no such directory '${nist}'`);
    else nistDir = nist;
  } else if (!isDirectory(DEFAULT_NIST_DIR)) {
    problems.push(`the NIST sample logs are missing from this checkout (${DEFAULT_NIST_DIR})`);
  } else {
    nistDir = DEFAULT_NIST_DIR;
  }

  const volumeText = value('DEMO_VOLUME');
  const volume = volumeText === undefined ? 0.1 : Number(volumeText);
  if (!(volume > 0 && volume <= 1)) problems.push('DEMO_VOLUME must be a number in (0, 1]');

  const lastDay = value('DEMO_LAST_DAY') ?? null;
  const lastDayProblem = lastDay === null ? null : dateProblem(lastDay);
  if (lastDayProblem) problems.push(`DEMO_LAST_DAY ${lastDayProblem.message}`);

  const v1Machine = value('DEMO_V1_MACHINE') ?? null;
  const demoMachines = ['press-07', ...(nistDir !== null ? ['mazak01'] : [])];
  if (v1Machine !== null && !demoMachines.includes(v1Machine)) {
    problems.push(`DEMO_V1_MACHINE must be one of the demo's machines (${demoMachines.join(', ')})`);
  }

  const settings: DemoSettings = {
    dataDir,
    aggDatabaseUrl,
    rawDatabaseUrl: (machineId) =>
      rawTemplate === undefined
        ? `pglite:${inside(dataDir, `raw-${machineId}`)}`
        : rawTemplate.replaceAll('{machine}', machineId.replaceAll('-', '_')),
    nistDir,
    port: integer('PORT', 8000, 1, 65535),
    host: value('HOST') ?? '127.0.0.1',
    days: integer('DEMO_DAYS', 14, 1, 90),
    volume,
    seed: integer('DEMO_SEED', 42, 0, 2 ** 31 - 1),
    lastDay,
    v1Machine,
  };
  if (
    lastDay !== null &&
    !lastDayProblem &&
    Number.isInteger(settings.days) &&
    !startsInRange(lastDay, settings.days)
  ) {
    problems.push(
      `DEMO_LAST_DAY less DEMO_DAYS starts before ${firstCalendarDate}, the first supported date`,
    );
  }
  if (problems.length > 0) throw new DemoSettingsError(problems);
  return settings;
}

// Plain concatenation keeps a relative directory spelled as given (`./.data/demo/agg`).
function inside(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

function startsInRange(lastDay: string, days: number): boolean {
  try {
    addDays(lastDay, -(days - 1));
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
