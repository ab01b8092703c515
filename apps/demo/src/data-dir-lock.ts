import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = '.lock';

/** Another running demo holds the data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/** The lock of a data directory, held until released (or until the process ends). */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the data directory for this process: PGlite is single-process, so a second demo on the same
 * folder would corrupt its databases. The lock is a file holding the owner's pid, host and start
 * time, created exclusively. A lock left by a process of this host that is gone (killed, crashed)
 * is taken over; one of a live process, or of another host (whose pids cannot be checked from here),
 * is refused with a {@link DataDirInUseError} naming the owner. Released by `release()` or, failing
 * that, when the process exits.
 *
 * @example
 * const lock = lockDataDir('.data/demo');
 * try { … } finally { lock.release(); }
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    const owner = readOwner(path);
    if (owner && (owner.host !== me.host || isAlive(owner.pid))) {
      throw new DataDirInUseError(
        `${dataDir} is in use by another demo (pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}): ` +
          'stop it first, or start this one with DEMO_DATA_DIR=<another folder>' +
          (owner.host === me.host ? '' : ` (if that process is gone, delete ${path})`),
      );
    }
    // A dead process's lock (or an unreadable one, half-written by a crash): take it over.
    rmSync(path, { force: true });
  }

  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only our own: never a lock another process took over after ours was removed by hand.
    if (readOwner(path)?.pid === me.pid && readOwner(path)?.host === me.host) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return { path, release };
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string'
      ? { pid: owner.pid, host: owner.host, startedAt: String(owner.startedAt ?? 'at an unknown time') }
      : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
