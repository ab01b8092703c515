// A container health check without curl in the image: `node deploy/healthcheck.mjs <PORT_VARIABLE> <path>`
// asks http://127.0.0.1:$PORT_VARIABLE<path> and exits 0 on a 2xx answer within 3 s, 1 otherwise.
// The port is read from the container's own environment, so the check follows the service's setting.
const [portVariable, path = '/'] = process.argv.slice(2);
const port = portVariable ? process.env[portVariable] : undefined;
if (!portVariable || !port) {
  console.error(
    `usage: node deploy/healthcheck.mjs <PORT_VARIABLE> <path> (${portVariable ?? 'it'} is not set)`,
  );
  process.exit(2);
}
try {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) console.error(`${path}: HTTP ${response.status}`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
