import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('repository configuration', () => {
  it('type-checks every TypeScript file in the repository (benches included)', () => {
    // The projects `pnpm typecheck` checks: the workspace's, and the browser code's own (DOM types).
    const script = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts.typecheck as string;
    const projects = [...script.matchAll(/-p (\S+)/g)].map((m) => m[1] as string);
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
});
