// Times every statement a Kysely instance runs, grouped by a label the caller sets (the ETL running)
// and the statement's shape, so the benchmark can say which statements dominate. A plugin sees each
// query before (transformQuery) and after (transformResult) it runs; the time between is compile,
// round trip and execution. Exact at concurrency 1, which is how the benchmark uses it.
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

export interface StatementStat {
  label: string;
  statement: string;
  calls: number;
  ms: number;
}

export class StatementProfiler implements KyselyPlugin {
  /** Attributed to the statements that start from now on. */
  label = '-';
  readonly #started = new WeakMap<object, { at: number; key: string }>();
  readonly #stats = new Map<string, StatementStat>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const statement = fingerprint(args.node);
    this.#started.set(args.queryId, { at: performance.now(), key: `${this.label}\u0000${statement}` });
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const started = this.#started.get(args.queryId);
    if (started) {
      const [label = '-', statement = ''] = started.key.split('\u0000');
      const stat = this.#stats.get(started.key) ?? { label, statement, calls: 0, ms: 0 };
      stat.calls++;
      stat.ms += performance.now() - started.at;
      this.#stats.set(started.key, stat);
    }
    return args.result;
  }

  stats(): StatementStat[] {
    return [...this.#stats.values()].sort((a, b) => b.ms - a.ms);
  }

  reset(): void {
    this.#stats.clear();
  }
}

// A raw `sql` template's text with parameters as `?`, whitespace collapsed; for builder queries,
// the node kind and the first table named.
function fingerprint(node: OperationNode): string {
  if (node.kind === 'RawNode') {
    const text = (node as unknown as { sqlFragments: readonly string[] }).sqlFragments.join('?');
    return text.replace(/\s+/g, ' ').trim();
  }
  const json = JSON.stringify(node);
  const table = /"kind":"IdentifierNode","name":"([^"]+)"/.exec(json)?.[1] ?? '';
  return `${node.kind.replace(/QueryNode$/, '').toLowerCase()} ${table}`.trim();
}

/**
 * What a statement is for, from its fingerprint: the per-day or per-job bookkeeping around the
 * aggregate statements, so the benchmarks can say where a run's time goes.
 */
export function purposeOf(statement: string): string {
  if (statement.includes('raw_observations')) return 'raw observation store (read, write)';
  if (statement.includes('etl_runs')) return 'run ledger (markRunning, markSucceeded)';
  if (statement.includes('pg_stat_user_tables') || statement.includes('pg_stat_get_tuples_inserted'))
    return 'raw modification counter';
  if (statement.includes('as known_edges')) return 'horizon';
  if (statement.startsWith('select variable')) return 'signal catalog';
  if (statement.includes('as latest from unnest')) return 'raw fingerprint (day row count)';
  if (statement.includes('string_agg(v.id')) return 'carried state (midnight hashes)';
  if (statement.includes('rows_read') && statement.startsWith('select count(*)'))
    return 'row counts (a second scan of the rows)';
  if (statement.includes('pg_try_advisory_xact_lock')) return 'slice lock';
  if (statement.includes('pg_advisory_xact_lock')) return 'raw observation lock';
  if (statement.includes('savepoint')) return 'savepoints';
  if (statement.startsWith('delete from') || statement.includes('jsonb_to_recordset'))
    return 'replace slice (delete + insert)';
  return 'aggregate statements';
}
