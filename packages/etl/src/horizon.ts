import type { RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';
import { knownEdge } from './known-edge.ts';
import type { ResolvedRoles } from './roles.ts';
import type { SignalCatalog } from './signal-catalog.ts';

/**
 * The machine's horizon (DOMAIN §3): the latest instant of a valid or off reading on any variable
 * its profile maps; `null` when there is none. Nothing after it is known, so no aggregate counts
 * time past it. One index lookup per variable (newest first), so it is cheap at any history length.
 *
 * @example
 * const horizon = await computeHorizon(raw, resolveRoles(machine, catalog), catalog);
 */
export function computeHorizon(
  raw: Kysely<RawDatabase>,
  roles: ResolvedRoles,
  catalog: SignalCatalog,
): Promise<number | null> {
  return knownEdge(raw, roles, catalog, 'last');
}
