// pnpm hooks, applied to every package's manifest as the lockfile is resolved.
//
// A package may list TypeScript as an optional peer (valibot, under Bull Board, does, for its types).
// pnpm binds an optional peer to a matching package the workspace already has, and the workspace root
// has the compiler for development: the production install (`pnpm install --prod`, in the image) then
// carried it too. Nothing of ours needs TypeScript at run time, so no such peer is bound.
function readPackage(pkg) {
  if (pkg.peerDependenciesMeta?.typescript?.optional) {
    delete pkg.peerDependencies?.typescript;
    delete pkg.peerDependenciesMeta.typescript;
  }
  return pkg;
}

module.exports = { hooks: { readPackage } };
