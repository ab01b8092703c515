// `pnpm build`: compiles every workspace package's `src/**/*.ts` (test support excepted, below) to
// `dist/**/*.js`, file for file, so production runs `node <package>/dist/…` while developers, tests and
// the type checker keep using the TypeScript sources (each package's `exports` stays `./src/index.ts`).
//
// Each file is transpiled on its own (esbuild, no type checking: `pnpm typecheck` does that) and its
// imports are rewritten where Node could not follow them in compiled form:
// - relative `./x.ts` imports become `./x.js`;
// - `@mm/*` imports become relative paths to the sibling package's compiled entry point. Resolving
//   them at build time, as a bundler would, means no export condition has to tell Node (dist) from
//   tsx and vitest (src);
// - everything else (npm packages, `node:` builtins, `../package.json` with `type: 'json'`) is kept
//   as written and resolved by Node at run time from the package's own node_modules.
// `dist/` mirrors `src/` at the same depth, so paths built from `import.meta.url` (the raw schema
// SQL, the repository root) resolve the same from both.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '..');

interface WorkspacePackage {
  name: string;
  dir: string;
  /** The compiled file the package's `.` export maps to. */
  compiledEntry: string;
}

/** The packages of pnpm-workspace.yaml (its `dir/*` globs and plain `dir`s) that have TypeScript sources. */
function workspacePackages(): WorkspacePackage[] {
  const { packages: globs } = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as {
    packages: string[];
  };
  const dirs = globs.flatMap((glob) => {
    const parent = glob.endsWith('/*') ? glob.slice(0, -2) : glob;
    if (parent.includes('*')) {
      throw new Error(
        `pnpm-workspace.yaml: the build understands "dir/*" globs and plain "dir"s, not "${glob}"`,
      );
    }
    const candidates =
      parent === glob
        ? [join(root, parent)]
        : readdirSync(join(root, parent)).map((name) => join(root, parent, name));
    return candidates.filter((dir) => existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src')));
  });
  return dirs.map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      exports?: unknown;
    };
    const exported = (manifest.exports as Record<string, unknown> | undefined)?.['.'] ?? manifest.exports;
    let compiledEntry = '';
    if (manifest.exports !== undefined) {
      if (typeof exported !== 'string' || !/^\.\/src\/.+\.ts$/.test(exported)) {
        throw new Error(
          `${manifest.name}: the build expects "exports": "./src/….ts", got ${JSON.stringify(exported)}`,
        );
      }
      compiledEntry = join(dir, distPathOf(exported));
    }
    return { name: manifest.name, dir, compiledEntry };
  });
}

/** `./src/a/b.ts` -> `./dist/a/b.js`. */
function distPathOf(sourcePath: string): string {
  return sourcePath.replace(/^(\.\/)?src\//, '$1dist/').replace(/\.ts$/, '.js');
}

// Test support never reaches dist: the test-only packages, and inside a package its tests, its
// `testing/` folders and `test-fixtures.ts` files. Production code importing any of them fails the build.
const testSupportPackages = new Set(['@mm/testing', '@mm/queue-testing']);

function isTestSupport(path: string): boolean {
  const parts = relative(root, path).split(sep);
  const name = parts.at(-1) ?? '';
  const folders = parts.slice(parts.indexOf('src') + 1, -1);
  return name.endsWith('.test.ts') || name === 'test-fixtures.ts' || folders.includes('testing');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'testing') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !isTestSupport(path) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function rewriteImports(packages: WorkspacePackage[]): Plugin {
  const byName = new Map(packages.map((p) => [p.name, p]));
  return {
    name: 'rewrite-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (
          testSupportPackages.has(args.path) ||
          (args.path.startsWith('.') && isTestSupport(resolve(dirname(args.importer), args.path)))
        ) {
          return { errors: [{ text: `${args.path} is test support, which production code may not import` }] };
        }
        if (args.path.startsWith('.') && args.path.endsWith('.ts')) {
          return { path: args.path.replace(/\.ts$/, '.js'), external: true };
        }
        const workspace = byName.get(args.path);
        if (workspace) {
          if (!workspace.compiledEntry) {
            return { errors: [{ text: `${args.path} has no "exports" to import from` }] };
          }
          const from = dirname(join(root, distPathOf(relative(root, args.importer).split(sep).join('/'))));
          const target = relative(from, workspace.compiledEntry).split(sep).join('/');
          return { path: target.startsWith('.') ? target : `./${target}`, external: true };
        }
        if (args.path.startsWith('@mm/')) {
          return { errors: [{ text: `${args.path} is not a workspace package with sources` }] };
        }
        return { path: args.path, external: true };
      });
    },
  };
}

const started = performance.now();
const packages = workspacePackages().filter((p) => {
  if (!testSupportPackages.has(p.name)) return true;
  rmSync(join(p.dir, 'dist'), { recursive: true, force: true });
  return false;
});
let files = 0;
for (const pkg of packages) {
  rmSync(join(pkg.dir, 'dist'), { recursive: true, force: true });
  const entryPoints = sourceFiles(join(pkg.dir, 'src'));
  files += entryPoints.length;
  await build({
    entryPoints,
    outbase: join(pkg.dir, 'src'),
    outdir: join(pkg.dir, 'dist'),
    bundle: true, // only so that the plugin sees every import; each one is external
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [rewriteImports(packages)],
  });
}
console.log(
  `built ${files} files of ${packages.length} packages in ${Math.round(performance.now() - started)} ms`,
);
