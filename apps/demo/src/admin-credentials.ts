import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminPasswordProblems } from '@mm/config';

/** Where a demo keeps the admin credentials it generated, in its data directory. */
export const ADMIN_FILE = 'admin.json';

/** The demo's admin sign-in, and where it came from. */
export interface DemoAdmin {
  user: string;
  password: string;
  /**
   * `environment`: `ADMIN_USER`/`ADMIN_PASSWORD` were set; `generated`: made for this demo and not
   * shown yet (show them, then {@link markAdminShown}); `stored`: shown by an earlier start, kept in
   * {@link ADMIN_FILE}.
   */
  source: 'environment' | 'generated' | 'stored';
  /** The file holding generated credentials (null when they came from the environment). */
  file: string | null;
}

interface StoredCredentials {
  user: string;
  password: string;
  shown: boolean;
}

type Env = Record<string, string | undefined>;

/**
 * The admin credentials the demo runs with: the environment's when either variable is set (the
 * configuration then checks them as a deployment would), else the ones an earlier start generated,
 * else new ones: user `admin` and a random 24-character password, written to the data directory
 * readable by its owner only. A restart reuses them; they are never logged.
 *
 * @example
 * const admin = demoAdminCredentials(process.env, '.data/demo');
 * if (admin.source === 'generated') console.log(`${admin.user} / ${admin.password}`);
 */
export function demoAdminCredentials(env: Env, dataDir: string): DemoAdmin {
  const user = env.ADMIN_USER?.trim();
  const password = env.ADMIN_PASSWORD?.trim();
  if (user || password) {
    return { user: user ?? '', password: password ?? '', source: 'environment', file: null };
  }
  const file = join(dataDir, ADMIN_FILE);
  const stored = readStored(file);
  if (stored) {
    // Generated but never shown (the start that made them stopped before it was ready): shown now.
    const source = stored.shown ? 'stored' : 'generated';
    return { user: stored.user, password: stored.password, source, file };
  }
  const generated = { user: 'admin', password: newPassword('admin') };
  writeCredentials(file, { ...generated, shown: false });
  return { ...generated, source: 'generated', file };
}

/**
 * Records that generated credentials were shown, so later starts point at the file instead of
 * printing the password again.
 *
 * @example
 * if (admin.source === 'generated') console.log(admin.password);
 * markAdminShown(admin);
 */
export function markAdminShown(admin: DemoAdmin): void {
  if (admin.file === null || admin.source !== 'generated') return;
  writeCredentials(admin.file, { user: admin.user, password: admin.password, shown: true });
}

function writeCredentials(file: string, content: StoredCredentials): void {
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
}

/** The credentials an earlier start wrote, or null (none, or a file edited into something else). */
function readStored(file: string): StoredCredentials | null {
  if (!existsSync(file)) return null;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<
      Record<keyof StoredCredentials, unknown>
    >;
    if (typeof stored.user !== 'string' || typeof stored.password !== 'string') return null;
    if (stored.user === '' || stored.password === '') return null;
    return { user: stored.user, password: stored.password, shown: stored.shown !== false };
  } catch {
    // Unreadable: new credentials replace it.
    return null;
  }
}

function newPassword(user: string): string {
  for (;;) {
    const password = randomBytes(18).toString('base64url');
    // The same rules as a deployment's ADMIN_PASSWORD (a random one fails them about never).
    if (adminPasswordProblems(user, password).length === 0) return password;
  }
}
