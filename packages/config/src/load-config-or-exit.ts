import type { AppName } from './env.ts';
import { ConfigError } from './errors.ts';
import { type AppConfig, type LoadConfigOptions, loadConfig } from './load-config.ts';

/** `EX_CONFIG` of sysexits.h: the configuration is wrong, so restarting the process cannot help. */
export const EX_CONFIG = 78;

/** `app` both chooses the variables to validate and names the process in the message. */
export type LoadConfigOrExitOptions<A extends AppName = AppName> = LoadConfigOptions<A>;

/**
 * For an app's `main.ts` only: {@link loadConfig}, or, when the configuration is invalid, print every
 * problem to stderr (no stack trace: the reader is an operator, not a developer) and exit with
 * {@link EX_CONFIG}. Any other error is rethrown, since it is a bug rather than a configuration mistake.
 *
 * @example
 * const config = loadConfigOrExit(process.env, { app: 'api' });
 */
export function loadConfigOrExit<A extends AppName>(
  source: Record<string, string | undefined>,
  options: LoadConfigOrExitOptions<A>,
): AppConfig<A> {
  return orExit(() => loadConfig(source, options), options.app);
}

/**
 * Runs a configuration loader (e.g. `loadEnvConfig` with an app's own env part) and, on a
 * {@link ConfigError}, prints it for `app` and exits with {@link EX_CONFIG}.
 *
 * @example
 * const config = orExit(() => loadEnvConfig(process.env, workerEnv), 'worker');
 */
export function orExit<T>(load: () => T, app: string): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(formatConfigError(error, app));
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
