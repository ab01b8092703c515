/** A run that can never succeed as asked (unknown ETL or machine, impossible day): do not retry. */
export class PermanentEtlError extends Error {
  override name = 'PermanentEtlError';
}

/** A run that failed; `cause` holds the underlying error. Retrying may succeed (database blip). */
export class EtlRunError extends Error {
  override name = 'EtlRunError';
  constructor(
    message: string,
    readonly machineId: string,
    readonly etl: string,
    readonly day: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A short, single-line description of an error for the ledger and logs: no stack, bounded. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
