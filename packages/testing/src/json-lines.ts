import type { Readable } from 'node:stream';

/**
 * Parses a child process's stdout as the product's JSON log lines, pushing each into `into` as it
 * arrives (a line that is not JSON as `{ msg: line }`), so a test can wait for a log message.
 *
 * @example
 * const logs: Array<Record<string, unknown>> = [];
 * collectJsonLines(child.stdout, logs);
 */
export function collectJsonLines(stream: Readable | null, into: Array<Record<string, unknown>>): void {
  let buffer = '';
  stream?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        into.push(JSON.parse(line));
      } catch {
        into.push({ msg: line });
      }
    }
  });
}
