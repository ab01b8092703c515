import type { RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';

export type LogTable = 'variable_log_float' | 'variable_log_string';

/** A raw variable and the log table its datatype writes to (DOMAIN §1). */
export interface RawVariable {
  id: number;
  name: string;
  datatype: string;
  table: LogTable;
}

const FLOAT_DATATYPES = new Set([
  'java.lang.Integer',
  'java.lang.Short',
  'java.lang.Long',
  'java.lang.Double',
  'java.lang.Float',
  'java.lang.Boolean',
]);

export function logTableFor(datatype: string): LogTable {
  return FLOAT_DATATYPES.has(datatype.trim()) ? 'variable_log_float' : 'variable_log_string';
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
    return new SignalCatalog(rows.map((r) => ({ ...r, table: logTableFor(r.datatype) })));
  }

  byName(name: string): RawVariable | undefined {
    return this.byNameMap.get(name);
  }

  byDatatype(datatype: string): RawVariable[] {
    return this.variables.filter((v) => v.datatype === datatype);
  }
}
