import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written last, after a seed succeeded: its presence (with a matching fingerprint) means "reuse". */
export interface SeedMarker {
  /** What was seeded (databases, machines, size), hashed: URLs may hold passwords. */
  fingerprint: string;
  seededAt: string;
  /** Per machine: the local days aggregated. */
  machines: Array<{ id: string; firstDay: string | null; lastDay: string | null; days: number }>;
  timings: { seedMs: number; backfillMs: number; totalMs: number };
}

export const MARKER_FILE = 'seeded.json';

/**
 * The fingerprint of a seed: the same inputs give the same string. The simulated machine's end day
 * is left out on purpose, so the data seeded yesterday is still reused today.
 *
 * @example
 * seedFingerprint({ aggDatabaseUrl, machines, days: 14, volume: 0.1, seed: 42 });
 */
export function seedFingerprint(spec: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ format: 1, spec }))
    .digest('hex');
}

/** The marker in `dataDir`, or `null` when there is none or it cannot be read (seed again). */
export function readSeedMarker(dataDir: string): SeedMarker | null {
  try {
    const marker = JSON.parse(readFileSync(join(dataDir, MARKER_FILE), 'utf8')) as Partial<SeedMarker>;
    return typeof marker.fingerprint === 'string' && Array.isArray(marker.machines)
      ? (marker as SeedMarker)
      : null;
  } catch {
    return null;
  }
}

/** Writes the marker atomically (a crash leaves the old file or the new one, never half of one). */
export function writeSeedMarker(dataDir: string, marker: SeedMarker): void {
  const path = join(dataDir, MARKER_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(marker, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
