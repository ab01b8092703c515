import type { Machine } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';
import { computeHorizon } from './horizon.ts';
import type { RawChangeMark } from './raw-changes.ts';
import { observationBasis } from './raw-observations.ts';
import { type ResolvedRoles, resolveRoles } from './roles.ts';
import { SignalCatalog } from './signal-catalog.ts';

/** What a run reads of the raw database before it extracts: the same for every ETL of the machine. */
export interface SnapshotFacts {
  catalog: SignalCatalog;
  roles: ResolvedRoles;
  /** The machine's horizon (DOMAIN §3), `null` when nothing is known. */
  horizon: number | null;
  /** The raw observation's basis ({@link observationBasis}) for this catalog and profile. */
  basis: string;
}

interface Memo {
  mark: string;
  catalog: SignalCatalog;
  /**
   * Keyed by the machine object (its profile gives the roles, its id their warnings): a worker keeps
   * its machines for the life of the process.
   */
  byMachine: WeakMap<Machine, Omit<SnapshotFacts, 'catalog'>>;
}

/** Per raw database handle (each machine has its own pool), the facts of the last mark read. */
const memos = new WeakMap<Kysely<RawDatabase>, Memo>();

/**
 * The signal catalog, roles and horizon of `machine` in the snapshot `raw` (a transaction on
 * `source`), read there, or reused from an earlier run of this process when the raw database's
 * {@link RawChangeMark} is the one read before both snapshots: the catalog and the horizon only change
 * when rows of the logger's tables do, so a queue job need not read again what the day's other jobs
 * read (the in-process runner reads them once for all ETLs of a day). Without a mark (PGlite, a
 * standby) every call reads them.
 *
 * A reused fact is never newer than the snapshot it is used in: it was stored after its own snapshot
 * began, and `mark` was read (by the caller, before `raw`'s first statement) after that. It can only
 * be older by rows whose statistics had not reached the counter yet (a few seconds after their
 * commit): the run then records the older horizon and observation, and the planner, once the counter
 * moves, sees the day as changed and runs it again, as it does for a reused raw observation.
 *
 * @example
 * const mark = await rawChangeMark(rawDb);
 * await rawDb.transaction().execute((raw) => snapshotFacts(raw, rawDb, mark, machine));
 */
export async function snapshotFacts(
  raw: Kysely<RawDatabase>,
  source: Kysely<RawDatabase>,
  mark: RawChangeMark | null,
  machine: Machine,
): Promise<SnapshotFacts> {
  let memo = mark === null ? undefined : memos.get(source);
  if (memo === undefined || memo.mark !== mark?.mark) {
    const catalog = await SignalCatalog.load(raw);
    memo = { mark: mark?.mark ?? '', catalog, byMachine: new WeakMap() };
    if (mark !== null) memos.set(source, memo);
  }
  const { catalog } = memo;
  let facts = memo.byMachine.get(machine);
  if (facts === undefined) {
    const roles = resolveRoles(machine, catalog);
    const horizon = await computeHorizon(raw, roles, catalog);
    facts = { roles, horizon, basis: observationBasis(machine, catalog) };
    memo.byMachine.set(machine, facts);
  }
  return { catalog, ...facts };
}
