import { ConfigError } from './errors.ts';
import { type Config, loadConfig } from './load-config.ts';

/** `EX_CONFIG` of sysexits.h: the configuration is wrong, so restarting the process cannot help. */
export const EX_CONFIG = 78;

export interface LoadConfigOrExitOptions {
  /** Names the process in the message: `api`, `worker`, `scheduler`. */
  app: string;
  /** Reads the machines file; the real file system unless given. */
  readFile?: (path: string) => string;
}

/**
 * For an app's `main.ts` only: {@link loadConfig}, or, when the configuration is invalid, print every
 * problem to stderr (no stack trace: the reader is an operator, not a developer) and exit with
 * {@link EX_CONFIG}. Any other error is rethrown, since it is a bug rather than a configuration mistake.
 *
 * @example
 * const config = loadConfigOrExit(process.env, { app: 'api' });
 */
export function loadConfigOrExit(
  source: Parameters<typeof loadConfig>[0],
  options: LoadConfigOrExitOptions,
): Config {
  try {
    return loadConfig(source, options.readFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(formatConfigError(error, options.app));
    process.exit(EX_CONFIG);
  }
}

/**
 * The text {@link loadConfigOrExit} prints: the app, then the error's list of problems, newline-terminated.
 *
 * @example
 * formatConfigError(error, 'api');
 * // 'api: refusing to start. Invalid configuration (1 problem):\n  - PORT: must be a port number\n'
 */
export function formatConfigError(error: ConfigError, app: string): string {
  return `${app}: refusing to start. ${error.message}\n`;
}
