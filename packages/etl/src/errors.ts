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

/**
 * Another run holds the slice's lock and did not let it go within the wait allowed: retry later
 * (a queue worker puts the job back without using an attempt). The holder may be a live run, or the
 * session of a vanished host that the database server has not dropped yet.
 */
export class SliceBusyError extends Error {
  override name = 'SliceBusyError';
}

/**
 * A newer run of the same slice started (it took a newer run token from the ledger) after this one:
 * this run's result is older and is dropped, nothing of it written. Not a failure: do not retry,
 * the newer run owns the slice.
 */
export class SupersededRunError extends Error {
  override name = 'SupersededRunError';
}

/** A short, single-line description of an error for the ledger and logs: no stack, bounded. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
