// `pnpm bench <name>`: runs a benchmark inside the package that owns it (so it resolves that
// package's dependencies), e.g. `pnpm bench etl`, `pnpm bench api`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const benches: Record<string, string> = {
  etl: 'packages/etl/bench/etl.ts',
  api: 'apps/api/bench/api.ts',
  'api-start': 'apps/api/bench/start.ts',
  queue: 'apps/worker/bench/queue.ts',
  plant: 'apps/scheduler/bench/plant.ts',
  startup: 'packages/deploy/bench/startup.ts',
};

const [name, ...args] = process.argv.slice(2);
const file = name ? benches[name] : undefined;
if (!file || !existsSync(file)) {
  console.error(`usage: pnpm bench <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
const [dir, ...rest] = file.split('/bench/');
const result = spawnSync('pnpm', ['exec', 'tsx', `bench/${rest.join('/bench/')}`, ...args], {
  cwd: dir,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
