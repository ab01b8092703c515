/**
 * Package names of the development toolchain (compilers, bundlers, test runners, type declarations,
 * linters): none belongs in the production install. A devDependency name alone would not do: `yaml`
 * is one, and a library the API runs depends on it too.
 *
 * @example
 * isToolchainPackage('typescript'); // true
 * isToolchainPackage('hono'); // false
 */
export function isToolchainPackage(name: string): boolean {
  return /^(typescript|tsx|esbuild|vite|vitest|@vitest\/.+|@biomejs\/.+|@types\/.+|testcontainers|playwright(-core)?)$/.test(
    name,
  );
}
