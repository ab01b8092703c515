import { redactUrl } from '@mm/config';

/**
 * One line saying why a raw database could not be written, for a command's stderr: a database that
 * does not exist says how to create it (the commands create the raw schema, not the database, which
 * needs rights a writer should not hold); anything else is its message, never a stack.
 *
 * @example
 * console.error(`simulate failed: ${databaseErrorLine(url, error)}`);
 * // simulate failed: database "plant" does not exist on 127.0.0.1:5432: create it first (createdb -h 127.0.0.1 -p 5432 -U root plant), then run this again
 */
export function databaseErrorLine(url: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '3D000' && /^postgres(ql)?:\/\//.test(url)) {
    const u = new URL(url);
    const name = decodeURIComponent(u.pathname.slice(1));
    const host = u.hostname || 'localhost';
    const port = u.port || '5432';
    const user = u.username ? ` -U ${decodeURIComponent(u.username)}` : '';
    return (
      `database "${name}" does not exist on ${host}:${port}: create it first ` +
      `(createdb -h ${host} -p ${port}${user} ${name}), then run this again`
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return `${firstLine(message)} (${redactUrl(url)})`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
