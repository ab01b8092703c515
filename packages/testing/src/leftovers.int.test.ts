import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dropLeftoverDatabases } from './global-setup.ts';
import { newRunId, runDatabaseName } from './run-databases.ts';

// The cleanup at the start of a run, against the shared server: it must drop a crashed run's
// databases once they are old, and never those of a run that may be in progress elsewhere.

const hour = 3600_000;
let admin: pg.Client;
const created: string[] = [];

async function createProbe(name: string): Promise<string> {
  await admin.query(`create database "${name}"`);
  created.push(name);
  return name;
}

async function exists(name: string): Promise<boolean> {
  const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
  return rowCount === 1;
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: inject('pgUrl') });
  await admin.connect();
});
afterAll(async () => {
  for (const name of created) await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
});

describe('dropLeftoverDatabases', () => {
  it("keeps another host's young databases (a process id this host does not have) and drops old ones", async () => {
    const now = Date.now();
    const tag = randomBytes(4).toString('hex');
    // Another host's run in progress: a process id that cannot exist here (above Linux's pid_max).
    const foreignPid = 4_999_999;
    const foreignYoung = await createProbe(runDatabaseName(newRunId(now - hour), `probe_${tag}`));
    // A run that crashed seven hours ago.
    const crashed = await createProbe(runDatabaseName(newRunId(now - 7 * hour), `probe_${tag}`));
    // The earlier naming, which carried the process id (created last: an older checkout's cleanup,
    // running elsewhere right now, would drop it by that id).
    const foreignLegacy = await createProbe(`mm_t_${foreignPid}_${(now - hour).toString(36)}_probe_${tag}`);

    const dropped = await dropLeftoverDatabases(admin, now);

    expect(dropped).toContain(crashed);
    expect(await exists(crashed)).toBe(false);
    expect(dropped).not.toContain(foreignYoung);
    expect(dropped).not.toContain(foreignLegacy);
    expect(await exists(foreignYoung)).toBe(true);
    expect(await exists(foreignLegacy)).toBe(true);
    // Nor this run's own templates, created moments ago.
    expect(await exists(inject('aggTemplate'))).toBe(true);
  });
});
