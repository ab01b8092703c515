import { type LogTable, logTableOf, type RawDatabase } from '@mm/db';

export type { LogTable } from '@mm/db';

import type { Kysely } from 'kysely';

/** A raw variable and the log table its datatype writes to (DOMAIN §1). */
export interface RawVariable {
  id: number;
  name: string;
  datatype: string;
  table: LogTable;
}

/**
 * The raw database's variables, looked up by name or datatype. Profiles name variables; ids differ
 * per machine, so every job resolves them when it starts (DOMAIN §2).
 */
export class SignalCatalog {
  private readonly byNameMap: Map<string, RawVariable>;

  constructor(readonly variables: RawVariable[]) {
    this.byNameMap = new Map(variables.map((v) => [v.name, v]));
  }

  /** Loads the `variable` table (a few hundred rows at most). */
  static async load(raw: Kysely<RawDatabase>): Promise<SignalCatalog> {
    const rows = await raw.selectFrom('variable').select(['id', 'name', 'datatype']).orderBy('id').execute();
    return new SignalCatalog(rows.map((r) => ({ ...r, table: logTableOf(r.datatype) })));
  }

  byName(name: string): RawVariable | undefined {
    return this.byNameMap.get(name);
  }

  byDatatype(datatype: string): RawVariable[] {
    return this.variables.filter((v) => v.datatype === datatype);
  }
}
