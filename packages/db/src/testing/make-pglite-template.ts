// A process that needs the PGlite cluster template in the cache directory given as its argument:
// the template test starts one once the cache is made. Prints where its template came from, as JSON.
import { pgliteTemplate } from '../pglite-template.ts';

const cacheDir = process.argv[2];
if (!cacheDir) throw new Error('usage: make-pglite-template.ts <cache dir>');
const { source, cached } = await pgliteTemplate(cacheDir);
process.stdout.write(`${JSON.stringify({ source, cached })}\n`);
