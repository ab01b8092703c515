import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/**
 * The lines of a text file, streamed in batches (one per chunk read) so a large log never sits in
 * memory whole. Splits on `\n` only: a lone `\r` inside a value stays in it; the line parser drops the
 * `\r` of a CRLF end. A UTF-8 byte-order mark is not part of the first line. A path ending in `.gz` is
 * gunzipped as it streams (the repository keeps its sample logs compressed).
 *
 * @example
 * for await (const batch of readLineBatches('Mazak01-20190618-20190619.txt')) for (const line of batch) …
 */
export async function* readLineBatches(path: string): AsyncGenerator<string[]> {
  let rest = '';
  let first = true;
  // With an encoding set, the stream decodes UTF-8 across chunk boundaries itself.
  for await (const chunk of openText(path)) {
    let text = rest + (chunk as string);
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    if (lines.length > 0) yield lines;
  }
  if (rest !== '') yield [rest];
}

function openText(path: string): NodeJS.ReadableStream {
  if (!path.toLowerCase().endsWith('.gz')) {
    return createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  }
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip();
  // A read error of the file (missing, unreadable) ends the iteration with that error, not a hang.
  file.on('error', (error) => gunzip.destroy(error));
  return file.pipe(gunzip).setEncoding('utf8');
}
