import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A real process starting the API's service skeleton as main.ts does: the exit status and stderr are
// the contract.
function start(env: Record<string, string>) {
  const main =
    "import { startService } from '@mm/service'; import { apiEnv } from './env.ts'; startService({ app: 'api', env: apiEnv }); console.log('started');";
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', main], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('the API refusing its configuration, in a process', () => {
  it('refuses to start with exit status 78 and only the list of problems on stderr', () => {
    const run = start({
      PORT: 'eighty',
      ADMIN_USER: 'ops',
      ADMIN_PASSWORD: 'short-pw',
      MACHINES_FILE: '/nonexistent/machines.json',
    });
    expect(run.status).toBe(78);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      [
        'api: refusing to start. Invalid configuration (3 problems):',
        '  - PORT: must be a port number',
        '  - ADMIN_PASSWORD: must be at least 12 characters',
        "  - MACHINES_FILE: cannot read '/nonexistent/machines.json' (ENOENT)",
        '',
      ].join('\n'),
    );
  });

  it('refuses a guessable admin password with exit status 78, without printing it', () => {
    const run = start({
      ADMIN_USER: 'plant-ops',
      ADMIN_PASSWORD: 'PlantOps-Password-1',
      MACHINES_FILE: '/nonexistent/machines.json',
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain(
      '  - ADMIN_PASSWORD: is a common password (common words with digits or symbols around them)',
    );
    expect(run.stderr).toContain('  - ADMIN_PASSWORD: contains ADMIN_USER');
    expect(run.stderr).not.toContain('PlantOps-Password-1');
  });
});
