import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { envSchema } from './env.ts';
import { ConfigError, type ConfigProblem, problemsFromZod } from './errors.ts';
import { type Machine, machinesFileSchema, resolveMachines } from './machines.ts';

export interface Config {
  aggDatabaseUrl: string;
  redisUrl: string;
  port: number;
  corsOrigins: string[];
  /** Credentials of the admin surface; `null` disables it (it is never open without them). */
  admin: { user: string; password: string } | null;
  logLevel: string;
  machinesFile: string;
  machines: Machine[];
}

type EnvSource = Record<string, string | undefined>;

/**
 * Parses the environment and the machines file it names into a {@link Config}, or throws one
 * {@link ConfigError} listing every problem of both. Pure apart from `readFile`, which tests replace.
 *
 * @example
 * const config = loadConfig(process.env);
 * config.machines[0]?.timezone; // 'Europe/Madrid'
 */
export function loadConfig(
  source: EnvSource = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Config {
  const problems: ConfigProblem[] = [];
  // An empty variable means "not set": compose files and shells produce them routinely.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const env = envSchema.safeParse(present);
  if (!env.success) problems.push(...problemsFromZod(env.error, ''));

  const machinesFile = (present.MACHINES_FILE ?? 'machines.json').trim();
  let machines: Machine[] = [];
  const parsed = parseMachinesText(machinesFile, readFile);
  if ('problems' in parsed) problems.push(...parsed.problems);
  else machines = parsed.machines;

  if (problems.length > 0 || !env.success) throw new ConfigError(problems);
  const e = env.data;
  return {
    aggDatabaseUrl: e.AGG_DATABASE_URL,
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    corsOrigins: e.CORS_ORIGINS,
    admin: e.ADMIN_USER && e.ADMIN_PASSWORD ? { user: e.ADMIN_USER, password: e.ADMIN_PASSWORD } : null,
    logLevel: e.LOG_LEVEL,
    machinesFile,
    machines,
  };
}

/** Parses the text of a machines file; problems are prefixed with the file's path. */
export function parseMachinesText(
  path: string,
  readFile: (path: string) => string,
): { machines: Machine[] } | { problems: ConfigProblem[] } {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      problems: [
        { path: 'MACHINES_FILE', message: `cannot read '${resolve(path)}'${code ? ` (${code})` : ''}` },
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
  return { machines: resolveMachines(file.data) };
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
