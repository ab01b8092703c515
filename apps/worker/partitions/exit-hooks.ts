/**
 * Clean-up that must run however the test process ends: at a normal exit, and on SIGINT / SIGTERM
 * (Ctrl-C, a CI timeout), where vitest's worker would intercept `process.exit` and go on running.
 * Hooks are synchronous (child processes killed, `ip` and `pg_ctl` run with execFileSync), newest
 * first; after a signal the process kills itself, since the state the tests relied on is gone.
 */
const hooks = new Set<() => void>();
let installed = false;

/**
 * Registers `hook`; returns what unregisters it (call that once the normal clean-up has run).
 *
 * @example
 * const forget = onExit(() => execFileSync('ip', ['link', 'del', bridge]));
 */
export function onExit(hook: () => void): () => void {
  hooks.add(hook);
  if (!installed) {
    installed = true;
    process.once('exit', runAll);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        runAll();
        process.kill(process.pid, 'SIGKILL');
      });
    }
  }
  return () => {
    hooks.delete(hook);
  };
}

function runAll(): void {
  const all = [...hooks].reverse();
  hooks.clear();
  for (const hook of all) {
    try {
      hook();
    } catch {}
  }
}
