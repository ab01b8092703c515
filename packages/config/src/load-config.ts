import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { type AppName, appEnvs, type ConfigOf, type EnvPart, envSchemaOf } from './env.ts';
import { ConfigError, type ConfigProblem, problemsFromZod } from './errors.ts';
import { type Machine, machinesFileSchema, resolveMachines } from './machines.ts';

type EnvSource = Record<string, string | undefined>;

/** What an env part's configuration becomes once its machines file, if it names one, is read. */
export type Loaded<Out> = Out extends { machinesFile: string } ? Out & { machines: Machine[] } : Out;

/** The configuration of one app of this repository (`loadConfig(env, { app })`). */
export type AppConfig<A extends AppName> = Loaded<ConfigOf<(typeof appEnvs)[A]>>;

export interface LoadConfigOptions<A extends AppName = AppName> {
  /** Which app's variables to validate (and nothing else). */
  app: A;
  /** Reads the machines file; the real file system unless given. */
  readFile?: (path: string) => string;
  /**
   * The directory relative paths (`MACHINES_FILE`, `pglite:` URLs) are resolved against; by default
   * {@link invocationDir} of the environment.
   */
  cwd?: string;
}

/**
 * The directory the user ran the command in. pnpm and npm run a script in its package's directory
 * (`pnpm --filter @mm/api start` runs in apps/api, root scripts in the repository root) and leave the
 * user's directory in `INIT_CWD`; run any other way, that is the process's working directory.
 *
 * @example
 * invocationDir(process.env); // '/home/ana/plant' for `cd /home/ana/plant && pnpm --dir ~/mm etl …`
 */
export function invocationDir(env: EnvSource, cwd: string = process.cwd()): string {
  const init = env.INIT_CWD?.trim();
  return env.npm_lifecycle_event && init && isAbsolute(init) ? init : cwd;
}

/**
 * A `pglite:<dir>` URL with a relative directory made absolute against `base`; any other URL as is.
 *
 * @example
 * resolveDatabaseUrl('pglite:./.data/agg', '/srv/mm'); // 'pglite:/srv/mm/.data/agg'
 */
export function resolveDatabaseUrl(url: string, base: string): string {
  const match = /^pglite:(.+)$/.exec(url);
  if (!match?.[1] || match[1] === 'memory' || match[1].startsWith('//')) return url;
  return `pglite:${resolve(base, match[1])}`;
}

/**
 * Parses the variables `app` reads (see `appEnvs`) and, when it reads `MACHINES_FILE`, the machines
 * file, into the app's configuration, or throws one {@link ConfigError} listing every problem of
 * both. Relative paths are resolved against the directory the user ran the command in, so every
 * command opens the same files and databases. Pure apart from `readFile`, which tests replace.
 *
 * @example
 * const config = loadConfig(process.env, { app: 'api' });
 * config.machines[0]?.timezone; // 'Europe/Madrid'
 */
export function loadConfig<A extends AppName>(
  source: EnvSource,
  options: LoadConfigOptions<A>,
): AppConfig<A> {
  // biome-ignore lint/suspicious/noExplicitAny: the app's part, whatever its shape; AppConfig<A> types the result
  return loadEnvConfig(source, appEnvs[options.app] as EnvPart<any, any>, options) as AppConfig<A>;
}

/**
 * {@link loadConfig} for an environment part defined outside this package's `appEnvs` (a new app
 * composes `sharedEnv`, `redisEnv`… with `composeEnv` and loads it here).
 *
 * @example
 * const config = loadEnvConfig(process.env, composeEnv(sharedEnv, redisEnv));
 */
export function loadEnvConfig<Out>(
  source: EnvSource,
  // biome-ignore lint/suspicious/noExplicitAny: any shape (its output is Out)
  part: EnvPart<any, Out>,
  options: Omit<LoadConfigOptions, 'app'> = {},
): Loaded<Out> {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const base = options.cwd ?? invocationDir(source);
  const problems: ConfigProblem[] = [];
  // An empty variable means "not set": compose files and shells produce them routinely. Only the
  // part's own variables are looked at: another app's mistakes are not this one's.
  const present = Object.fromEntries(
    Object.keys(part.shape)
      .map((key) => [key, source[key]] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  const env = envSchemaOf(part).safeParse(present);
  if (!env.success) problems.push(...problemsFromZod(env.error, ''));

  let machines: Machine[] | null = null;
  const machinesFile =
    'MACHINES_FILE' in part.shape ? (present.MACHINES_FILE ?? 'machines.json').trim() : null;
  if (machinesFile !== null) {
    const parsed = parseMachinesText(machinesFile, readFile, base);
    if ('problems' in parsed) problems.push(...parsed.problems);
    else machines = parsed.machines;
  }

  if (problems.length > 0 || !env.success) throw new ConfigError(problems);
  const config = part.toConfig(env.data) as Record<string, unknown>;
  if (typeof config.aggDatabaseUrl === 'string')
    config.aggDatabaseUrl = resolveDatabaseUrl(config.aggDatabaseUrl, base);
  if (machinesFile !== null) {
    config.machinesFile = resolve(base, machinesFile);
    config.machines = machines;
  }
  return config as Loaded<Out>;
}

/** Parses the text of a machines file; problems are prefixed with the file's path. */
export function parseMachinesText(
  path: string,
  readFile: (path: string) => string,
  base: string = process.cwd(),
): { machines: Machine[] } | { problems: ConfigProblem[] } {
  let text: string;
  try {
    text = readFile(resolve(base, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      problems: [
        { path: 'MACHINES_FILE', message: `cannot read '${resolve(base, path)}'${code ? ` (${code})` : ''}` },
      ],
    };
  }
  // Editors on Windows save a byte-order mark, which JSON.parse rejects.
  const source = text.replace(/^\uFEFF/, '');
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (error) {
    return { problems: [{ path, message: `is not valid JSON: ${describeJsonError(error, source)}` }] };
  }
  const file = machinesFileSchema.safeParse(json);
  if (!file.success) return { problems: problemsFromZod(file.error, path) };
  return {
    machines: resolveMachines(file.data).map((m) => ({
      ...m,
      rawDatabaseUrl: resolveDatabaseUrl(m.rawDatabaseUrl, base),
    })),
  };
}

/**
 * V8's JSON.parse messages quote the text around the error (`Unexpected token 'p', ..."baseUrl": postgres:/"...`),
 * which may be a database password: keep the reason, replace the excerpt with a line and column.
 */
function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/^Unexpected end of JSON input/.test(message)) return 'unexpected end of input';
  if (/^Unexpected token/.test(message)) return 'unexpected character';
  const at = /^(.*?)(?: in JSON)? at position (\d+)/s.exec(message);
  if (!at?.[1] || !at[2]) return 'syntax error';
  const before = text.slice(0, Number(at[2])).split('\n');
  return `${at[1]} (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
}
