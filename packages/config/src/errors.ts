import type { z } from 'zod';

/** One problem with the configuration: where (`AGG_DATABASE_URL`, `machines[1].timezone`) and why. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Thrown when the configuration is invalid. Its message lists every problem, one per line, and never
 * the offending values (they may be secrets).
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
  }
}

/** Turns zod issues into problems, prefixing each path (e.g. with the file name). */
export function problemsFromZod(error: z.ZodError, prefix: string): ConfigProblem[] {
  return error.issues.map((issue) => {
    let path = prefix;
    for (const key of issue.path) {
      path += typeof key === 'number' ? `[${key}]` : path ? `.${String(key)}` : String(key);
    }
    return { path: path || '(root)', message: issue.message };
  });
}
