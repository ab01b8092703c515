/** The machine and days an answer is computed from: `from`..`to` (dates, both included), or every day when `from` is null. */
export interface CoveredDays {
  machine: string;
  from: string | null;
  to: string | null;
}

/** What is kept of an answer. */
export interface CachedAnswer {
  /** Its `ETag` (quoted). */
  tag: string;
  /** The body of the `200`, or `null` when only the tag is known (a revalidation was answered `304`). */
  body: Uint8Array<ArrayBuffer> | null;
  /** The body's `Content-Type`. */
  contentType: string;
}

/** An answer being computed: begun before its first query, so a change of its days meanwhile is seen. */
export interface Flight {
  readonly covered: CoveredDays;
  readonly epoch: number;
  changed: boolean;
}

/** Counters and sizes, read by `/metrics`. */
export interface AnswerCacheStats {
  /** Answered from memory (a full answer or a `304`). */
  hits: number;
  /** Looked up and not found: the answer was computed. */
  misses: number;
  /** Not looked up: the cache was not trusted (no live slice-change listener). */
  bypasses: number;
  /** Entries dropped for room (least recently used first). */
  evictedForSize: number;
  /** Entries dropped because a slice they cover changed. */
  evictedChanged: number;
  /** Entries dropped because the listener was lost (or came back: nothing older is trusted). */
  evictedUntrusted: number;
  /** Slice-change notifications received. */
  notifications: number;
  bytes: number;
  entries: number;
  maxBytes: number;
  trusted: boolean;
}

interface Entry {
  key: string;
  covered: CoveredDays;
  answer: CachedAnswer;
  bytes: number;
}

/** Map, key and bookkeeping per entry, beyond the body and the key's characters. */
const entryOverheadBytes = 320;

/**
 * Answers of the aggregate endpoints kept in memory, each under its request key and with the machine
 * and days it was computed from, so a change of one slice drops exactly the answers that read it.
 * Bounded by bytes: least recently used answers go first; one answer larger than `maxEntryBytes` is
 * never kept.
 *
 * Nothing is served or stored unless the cache is *trusted*, i.e. while a listener receives every
 * slice change ({@link trust}); losing it ({@link distrust}) drops everything. An answer is stored only
 * if no change of its days, and no loss of trust, happened between {@link begin} (called before its
 * first query) and {@link finish}: a change that commits while an answer is computed from the older
 * rows therefore never leaves that answer behind.
 *
 * @example
 * const cache = new AnswerCache({ maxBytes: 64 * 2 ** 20 });
 * cache.trust();
 * const flight = cache.begin({ machine: 'press-07', from: '2024-10-27', to: '2024-10-27' });
 * // ... queries ...
 * cache.finish(flight, key, { tag, body, contentType: 'application/json' });
 * cache.get(key); // the answer, until a slice of press-07 on 2024-10-27 changes
 */
export class AnswerCache {
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  /** Least recently used first (a Map keeps insertion order; a hit moves its entry to the end). */
  private readonly entries = new Map<string, Entry>();
  private readonly byMachine = new Map<string, Set<Entry>>();
  private readonly flights = new Set<Flight>();
  private epoch = 0;
  private isTrusted = false;
  private readonly counts = {
    hits: 0,
    misses: 0,
    bypasses: 0,
    evictedForSize: 0,
    evictedChanged: 0,
    evictedUntrusted: 0,
    notifications: 0,
  };
  private bytes = 0;

  constructor(options: { maxBytes: number; maxEntryBytes?: number }) {
    this.maxBytes = options.maxBytes;
    this.maxEntryBytes = Math.min(
      options.maxEntryBytes ?? Math.floor(options.maxBytes / 8),
      options.maxBytes,
    );
  }

  /** Whether answers may be served and stored: a listener receives every change. */
  get trusted(): boolean {
    return this.isTrusted;
  }

  /** The answer kept under `key`, now the most recently used; `undefined` when there is none or the cache is not trusted. */
  get(key: string): CachedAnswer | undefined {
    if (!this.isTrusted) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.answer;
  }

  /** Counts how a request was answered, for the hit rate. */
  record(result: 'hit' | 'miss' | 'bypass'): void {
    if (result === 'hit') this.counts.hits++;
    else if (result === 'miss') this.counts.misses++;
    else this.counts.bypasses++;
  }

  /** Starts computing an answer over `covered`: call it before the answer's first query. */
  begin(covered: CoveredDays): Flight {
    const flight: Flight = { covered, epoch: this.epoch, changed: false };
    this.flights.add(flight);
    return flight;
  }

  /**
   * Ends a flight; keeps `answer` under `key` when the cache is still trusted and nothing the answer
   * covers changed since {@link begin}. Returns whether it was kept. Call it once per flight, with
   * `null` when there is nothing to keep (an error, an answer that is not a 200).
   */
  finish(flight: Flight, key: string, answer: CachedAnswer | null): boolean {
    this.flights.delete(flight);
    if (!answer || !this.isTrusted || flight.changed || flight.epoch !== this.epoch) return false;
    const bytes = (answer.body?.byteLength ?? 0) + 2 * key.length + answer.tag.length + entryOverheadBytes;
    if (bytes > this.maxEntryBytes) return false;
    const previous = this.entries.get(key);
    if (previous) this.remove(previous);
    const entry: Entry = { key, covered: flight.covered, answer, bytes };
    this.entries.set(key, entry);
    let ofMachine = this.byMachine.get(entry.covered.machine);
    if (!ofMachine) {
      ofMachine = new Set();
      this.byMachine.set(entry.covered.machine, ofMachine);
    }
    ofMachine.add(entry);
    this.bytes += bytes;
    for (const oldest of this.entries.values()) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest);
      this.counts.evictedForSize++;
    }
    return true;
  }

  /** A slice of `machine` on `day` changed (committed): drop the answers that cover it, spoil flights that do. */
  sliceChanged(machine: string, day: string): void {
    this.counts.notifications++;
    for (const flight of this.flights) {
      if (flight.covered.machine === machine && covers(flight.covered, day)) flight.changed = true;
    }
    const ofMachine = this.byMachine.get(machine);
    if (!ofMachine) return;
    for (const entry of ofMachine) {
      if (covers(entry.covered, day)) {
        this.remove(entry);
        this.counts.evictedChanged++;
      }
    }
  }

  /** Every slice may have changed (the ledger was truncated): drop everything, spoil every flight. */
  everythingChanged(): void {
    this.counts.notifications++;
    this.counts.evictedChanged += this.entries.size;
    this.clear();
  }

  /** A listener now receives every change (it has just started listening): answers may be kept from now on. */
  trust(): void {
    this.counts.evictedUntrusted += this.entries.size;
    this.clear();
    this.isTrusted = true;
  }

  /** Changes may be missed (the listener lost its connection): drop everything and keep nothing until {@link trust}. */
  distrust(): void {
    this.isTrusted = false;
    this.counts.evictedUntrusted += this.entries.size;
    this.clear();
  }

  stats(): AnswerCacheStats {
    return {
      ...this.counts,
      bytes: this.bytes,
      entries: this.entries.size,
      maxBytes: this.maxBytes,
      trusted: this.isTrusted,
    };
  }

  private clear(): void {
    // Flights begun before this point are spoilt: their answers may predate a change now unknown.
    this.epoch++;
    this.entries.clear();
    this.byMachine.clear();
    this.bytes = 0;
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.key);
    const ofMachine = this.byMachine.get(entry.covered.machine);
    ofMachine?.delete(entry);
    if (ofMachine?.size === 0) this.byMachine.delete(entry.covered.machine);
    this.bytes -= entry.bytes;
  }
}

function covers(covered: CoveredDays, day: string): boolean {
  return covered.from === null || (covered.from <= day && day <= (covered.to ?? covered.from));
}
