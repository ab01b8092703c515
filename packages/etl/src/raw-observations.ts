import { createHash } from 'node:crypto';
import type { Machine } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import type { RawObservation } from './ledger.ts';
import type { SignalCatalog } from './signal-catalog.ts';

/** An observation as kept in `raw_observations`: taken at modification counter `changes`, over `basis`. */
export interface StoredObservation {
  changes: number;
  basis: string;
  observed: RawObservation;
}

/**
 * What an observation covers: the catalog's variables (the fingerprint counts all of them) and the
 * machine's profile (which variables the carried state hashes, and how it classifies their readings).
 * Another basis makes a stored observation unusable.
 */
export function observationBasis(machine: Machine, catalog: SignalCatalog): string {
  return createHash('sha256')
    .update(JSON.stringify([machine.profile, catalog.variables.map((v) => [v.id, v.table])]))
    .digest('hex')
    .slice(0, 32);
}

/** The stored observation of a (machine, day), or null when none was taken. */
export async function loadObservation(
  aggDb: Kysely<AggDatabase>,
  machineId: string,
  day: string,
): Promise<StoredObservation | null> {
  const { rows } = await sql<{
    raw_changes: number;
    basis: string;
    raw_rows: number | null;
    raw_latest: number | null;
    carry_in: string | null;
    carry_out: string | null;
  }>`
    select raw_changes, basis, raw_rows, raw_latest, carry_in, carry_out from raw_observations
    where machine_id = ${machineId} and day = ${day}::date`.execute(aggDb);
  const row = rows[0];
  if (!row) return null;
  const changes = Number(row.raw_changes);
  return {
    changes,
    basis: row.basis,
    observed: {
      fingerprint:
        row.raw_rows === null
          ? null
          : { rows: Number(row.raw_rows), latest: row.raw_latest === null ? null : Number(row.raw_latest) },
      carryIn: row.carry_in,
      carryOut: row.carry_out,
      changes,
    },
  };
}

/** Keeps `observed` (taken at counter `changes`) as the (machine, day)'s observation, replacing any older one. */
export async function saveObservation(
  aggDb: Kysely<AggDatabase>,
  machineId: string,
  day: string,
  basis: string,
  observed: RawObservation & { changes: number },
): Promise<void> {
  const { fingerprint } = observed;
  await sql`
    insert into raw_observations (machine_id, day, raw_changes, basis, raw_rows, raw_latest, carry_in, carry_out)
    values (${machineId}, ${day}::date, ${observed.changes}::bigint, ${basis}, ${fingerprint?.rows ?? null}::bigint,
            ${fingerprint?.latest ?? null}::bigint, ${observed.carryIn}, ${observed.carryOut})
    on conflict (machine_id, day) do update
      set raw_changes = excluded.raw_changes, basis = excluded.basis, raw_rows = excluded.raw_rows,
          raw_latest = excluded.raw_latest, carry_in = excluded.carry_in, carry_out = excluded.carry_out,
          observed_at = now()`.execute(aggDb);
}
