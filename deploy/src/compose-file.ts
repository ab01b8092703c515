import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** One service of a compose file, after interpolation and YAML merge keys, in the fields we check. */
export interface ComposeService {
  name: string;
  image?: string;
  /** `build:` as a context and a Dockerfile, both relative to the compose file's folder. */
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment: Record<string, string>;
  healthcheck?: { test: string[] };
  /** Seconds Docker waits after SIGTERM before SIGKILL (compose's default is 10). */
  stopGracePeriodSeconds: number;
  profiles: string[];
  replicas: number;
  dependsOn: Record<string, string>;
  restart?: string;
  secrets: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file?: string }>;
}

export class ComposeFileError extends Error {
  override name = 'ComposeFileError';
}

/**
 * Replaces compose's `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
 * `${VAR:?message}` and `$$` in one string, as `docker compose` does with its `.env`.
 *
 * @example
 * interpolate('redis://${HOST:-redis}:6379', {}); // 'redis://redis:6379'
 */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      if (bare) return vars[bare] ?? '';
      const value = vars[name!];
      const missing = value === undefined || (colon === ':' && value === '');
      if (op === '-') return missing ? (arg ?? '') : value!;
      if (op === '?') {
        if (missing) throw new ComposeFileError(`${name}: ${arg || 'required'}`);
        return value!;
      }
      return value ?? '';
    },
  );
}

function interpolateAll(node: unknown, vars: Record<string, string | undefined>): unknown {
  if (typeof node === 'string') return interpolate(node, vars);
  if (Array.isArray(node)) return node.map((item) => interpolateAll(item, vars));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, vars)]));
  }
  return node;
}

/** Compose durations: `90s`, `1m30s`, `500ms`. */
export function durationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) {
    throw new ComposeFileError(`not a compose duration: ${JSON.stringify(text)}`);
  }
  const unit = { h: 3600, m: 60, s: 1, ms: 0.001 } as const;
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}

const asRecord = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

function environmentOf(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((entry) => {
        const [key, ...rest] = String(entry).split('=');
        return [key, rest.join('=')];
      }),
    );
  }
  return Object.fromEntries(Object.entries(asRecord(value)).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

function commandOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  // A string command is split on spaces by compose; ours are all lists, so keep it simple.
  return String(value).split(/\s+/).filter(Boolean);
}

/**
 * Reads a compose file as `docker compose config` would see it with the given `.env` variables
 * (none: the file's own defaults), for tests that run its services' commands.
 *
 * @example
 * const { services } = readComposeFile('docker-compose.yml');
 * services.worker?.replicas; // 3
 */
export function readComposeFile(path: string, vars: Record<string, string | undefined> = {}): ComposeFile {
  const doc = asRecord(interpolateAll(parse(readFileSync(path, 'utf8'), { merge: true }), vars));
  const services = Object.fromEntries(
    Object.entries(asRecord(doc.services)).map(([name, value]) => {
      const s = asRecord(value);
      const healthTest = asRecord(s.healthcheck).test;
      const dependsOn = Array.isArray(s.depends_on)
        ? Object.fromEntries(s.depends_on.map((d) => [String(d), 'service_started']))
        : Object.fromEntries(
            Object.entries(asRecord(s.depends_on)).map(([d, v]) => [
              d,
              String(asRecord(v).condition ?? 'service_started'),
            ]),
          );
      const replicas = asRecord(s.deploy).replicas;
      const service: ComposeService = {
        name,
        ...(typeof s.image === 'string' ? { image: s.image } : {}),
        ...(s.build !== undefined ? { build: buildOf(s.build) } : {}),
        ...(s.command !== undefined ? { command: commandOf(s.command) } : {}),
        environment: environmentOf(s.environment),
        ...(Array.isArray(healthTest) ? { healthcheck: { test: healthTest.map(String) } } : {}),
        stopGracePeriodSeconds: s.stop_grace_period ? durationSeconds(String(s.stop_grace_period)) : 10,
        profiles: Array.isArray(s.profiles) ? s.profiles.map(String) : [],
        replicas: replicas === undefined ? 1 : Number(replicas),
        dependsOn,
        ...(s.restart !== undefined ? { restart: String(s.restart) } : {}),
        secrets: Array.isArray(s.secrets)
          ? s.secrets.map((x) => (typeof x === 'string' ? x : String(asRecord(x).source)))
          : [],
      };
      return [name, service];
    }),
  );
  const secrets = Object.fromEntries(
    Object.entries(asRecord(doc.secrets)).map(([name, v]) => {
      const file = asRecord(v).file;
      return [name, typeof file === 'string' ? { file } : {}];
    }),
  );
  return { services, secrets };
}

/** `build: <context>` or `build: { context, dockerfile }`; compose's defaults are `.` and `Dockerfile`. */
function buildOf(value: unknown): { context: string; dockerfile: string } {
  if (typeof value === 'string') return { context: value, dockerfile: 'Dockerfile' };
  const b = asRecord(value);
  return { context: String(b.context ?? '.'), dockerfile: String(b.dockerfile ?? 'Dockerfile') };
}
