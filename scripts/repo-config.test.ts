import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { EXPECTED_SECONDS } from '../packages/testing/src/expected-seconds.ts';
import { TYPECHECK_PROJECTS } from './commands/command-table.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('repository configuration', () => {
  it('type-checks every TypeScript file in the repository (benches included)', () => {
    // The projects `pnpm typecheck` checks: the workspace's, and the browser code's own (DOM types).
    const projects = TYPECHECK_PROJECTS;
    expect(projects).toContain('tsconfig.json');
    const checked = new Set(
      projects.flatMap((project) => {
        const config = ts.getParsedCommandLineOfConfigFile(
          `${root}${project}`,
          {},
          {
            ...ts.sys,
            onUnRecoverableConfigFileDiagnostic: (d) => {
              throw new Error(String(d.messageText));
            },
          },
        );
        return config!.fileNames.map((f) => f.slice(root.length));
      }),
    );
    const tracked = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f !== '' && !f.endsWith('.d.ts'));
    expect(tracked.filter((f) => !checked.has(f))).toEqual([]);
  });

  it('allows explicit `any` only in the migrations', () => {
    const biome = JSON.parse(readFileSync(`${root}biome.json`, 'utf8'));
    expect(biome.linter.rules.suspicious.noExplicitAny).toBeUndefined();
    const allowing = (biome.overrides ?? []).filter(
      (o: { linter?: { rules?: { suspicious?: { noExplicitAny?: string } } } }) =>
        o.linter?.rules?.suspicious?.noExplicitAny === 'off',
    );
    expect(allowing.map((o: { includes: string[] }) => o.includes)).toEqual([
      ['packages/db/src/migrations/**'],
    ]);
  });
  it('publishes no test or bench code as a package export', () => {
    // Test support lives in test-only packages (`@mm/testing`, `@mm/queue-testing`), bench helpers in
    // their package's bench/ folder: production packages export their `src/index.ts` alone.
    const exported = ['apps', 'packages'].flatMap((dir) =>
      readdirSync(`${root}${dir}`).flatMap((name) => {
        let manifest: { name: string; exports?: Record<string, string> | string };
        try {
          manifest = JSON.parse(readFileSync(`${root}${dir}/${name}/package.json`, 'utf8'));
        } catch {
          return [];
        }
        const exports =
          typeof manifest.exports === 'string' ? { '.': manifest.exports } : (manifest.exports ?? {});
        return Object.entries(exports).map(([path, file]) => `${manifest.name} ${path} -> ${file}`);
      }),
    );
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.filter((e) => !/ \. -> \.\/src\/index\.ts$/.test(e))).toEqual([]);
  });

  it('expects durations only of integration test files that exist (the run order of a clean clone)', () => {
    const listed = Object.keys(EXPECTED_SECONDS);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.filter((f) => !f.endsWith('.int.test.ts') || !existsSync(`${root}${f}`))).toEqual([]);
  });
});
