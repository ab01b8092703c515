// `pnpm etl <command> …`: `enqueue` queues slices for the workers (@mm/queue, which knows Redis);
// every other command runs in process (@mm/etl, which stays free of Redis).
const [command] = process.argv.slice(2);
if (command === 'enqueue') {
  process.argv.splice(2, 1);
  await import('../packages/queue/src/cli/main.ts');
} else {
  await import('../packages/etl/src/cli/main.ts');
}
