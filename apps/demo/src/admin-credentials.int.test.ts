import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminPasswordProblems } from '@mm/config';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_FILE, demoAdminCredentials, markAdminShown } from './admin-credentials.ts';

// The demo's own admin sign-in, in a temporary data folder.

const dir = mkdtempSync(join(tmpdir(), 'mm-demo-admin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demoAdminCredentials', () => {
  it('generates a sign-in once, shows it until marked shown, then points at the file', () => {
    const first = demoAdminCredentials({}, dir);
    expect(first).toMatchObject({ user: 'admin', source: 'generated', file: join(dir, ADMIN_FILE) });
    expect(first.password).toHaveLength(24);
    expect(adminPasswordProblems(first.user, first.password)).toEqual([]);
    expect(statSync(join(dir, ADMIN_FILE)).mode & 0o777).toBe(0o600);
    // Not shown yet (a start that stopped before it was ready): the next start shows the same.
    expect(demoAdminCredentials({}, dir)).toEqual(first);
    markAdminShown(first);
    expect(demoAdminCredentials({}, dir)).toEqual({ ...first, source: 'stored' });
  });

  it('takes the environment’s when either variable is set, and replaces an unreadable file', () => {
    expect(demoAdminCredentials({ ADMIN_USER: 'ops', ADMIN_PASSWORD: 'Kestrel-Quarry-41' }, dir)).toEqual({
      user: 'ops',
      password: 'Kestrel-Quarry-41',
      source: 'environment',
      file: null,
    });
    // One of the two: the configuration reports the missing one, as for a deployment.
    expect(demoAdminCredentials({ ADMIN_USER: 'ops' }, dir)).toMatchObject({ user: 'ops', password: '' });
    writeFileSync(join(dir, ADMIN_FILE), '{ not json');
    const fresh = demoAdminCredentials({}, dir);
    expect(fresh.source).toBe('generated');
    expect(JSON.parse(readFileSync(join(dir, ADMIN_FILE), 'utf8'))).toEqual({
      user: 'admin',
      password: fresh.password,
      shown: false,
    });
  });
});
