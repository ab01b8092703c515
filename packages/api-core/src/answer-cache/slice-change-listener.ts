import type { Logger } from '@mm/config';
import pg from 'pg';
import type { AnswerCache } from './answer-cache.ts';

/**
 * The channel and trigger of the aggregation database's migration `2026-12-09-notify-slice-changes`:
 * every committed change of an `etl_runs` row is announced as `<YYYY-MM-DD> <machine id>`, a
 * truncation as `*`.
 */
export const sliceChangeChannel = 'etl_slice_changed';
const sliceChangeTrigger = 'etl_runs_notify_slice_change';
const payloadPattern = /^(\d{4}-\d{2}-\d{2}) (.+)$/s;

export interface SliceChangeListenerOptions {
  /** The aggregation database (`postgres://…`): the listener holds one connection of its own there. */
  url: string;
  cache: AnswerCache;
  logger: Logger;
  applicationName?: string;
  /**
   * A round trip on the listening connection every `heartbeatMs` (5 s); one not answered within
   * `heartbeatTimeoutMs` (5 s) counts as a lost connection, so a silent network cut is noticed.
   */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** First wait before reconnecting (250 ms), doubled after each failed attempt up to `maxReconnectMs` (10 s). */
  reconnectMs?: number;
  maxReconnectMs?: number;
}

/**
 * Keeps an {@link AnswerCache} in step with the aggregation database across any number of API
 * processes: a dedicated connection `LISTEN`s to slice changes and drops the answers each one covers.
 * The cache is trusted only while that connection is up, listening, and answers its heartbeat; the
 * moment it is lost (error, end, heartbeat timeout) the cache is flushed and bypassed, and it is
 * trusted again only after the connection is back and listening, with nothing older kept. A database
 * without the notifying trigger (not migrated) never turns the cache on.
 *
 * Outages are logged once when they start and once when they end, not on every attempt.
 *
 * @example
 * const listener = new SliceChangeListener({ url: config.aggDatabaseUrl, cache, logger });
 * listener.start();
 * // on shutdown
 * await listener.close();
 */
export class SliceChangeListener {
  private client: pg.Client | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private beating = false;
  private reconnect: NodeJS.Timeout | null = null;
  private nextDelayMs: number;
  private closed = false;
  /** Why the cache is off, while it is (`null` once listening); logged when it changes. */
  private outage: string | null = 'starting';
  private readonly logger: Logger;

  constructor(private readonly options: SliceChangeListenerOptions) {
    this.logger = options.logger.child({ component: 'answer-cache' });
    this.nextDelayMs = options.reconnectMs ?? 250;
  }

  /** Connects and listens in the background; the cache stays bypassed until then. */
  start(): void {
    void this.connect();
  }

  /** Stops listening (the cache is flushed and bypassed) and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    this.options.cache.distrust();
    const client = this.client;
    this.drop();
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    this.reconnect = null;
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName ?? 'machine-monitoring-api-listener',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    this.client = client;
    client.on('error', (error) => this.lost(client, error.message));
    client.on('end', () => this.lost(client, 'the connection ended'));
    client.on('notification', (message) => {
      if (this.client === client && message.channel === sliceChangeChannel) this.notified(message.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${sliceChangeChannel}`);
      const { rows } = await client.query(
        `select 1 from pg_trigger where tgname = $1 and tgrelid = to_regclass('etl_runs') and tgenabled <> 'D'`,
        [sliceChangeTrigger],
      );
      if (rows.length === 0) {
        this.lost(client, 'the aggregation database has no slice-change trigger: run pnpm db:migrate');
        return;
      }
    } catch (error) {
      this.lost(client, (error as Error).message);
      return;
    }
    if (this.client !== client) return;
    // Listening from here on: every change committed from now is delivered, and whatever committed
    // before is in the rows the next answers read. Nothing older is kept (trust() flushes).
    this.options.cache.trust();
    this.nextDelayMs = this.options.reconnectMs ?? 250;
    if (this.outage === 'starting') this.logger.info('answer cache on: listening for slice changes');
    else this.logger.info('answer cache on again: listening for slice changes');
    this.outage = null;
    this.heartbeat = setInterval(() => this.beat(client), this.options.heartbeatMs ?? 5000);
    this.heartbeat.unref();
  }

  private beat(client: pg.Client): void {
    // One heartbeat at a time: the one waiting for its answer times out by itself.
    if (this.beating) return;
    this.beating = true;
    const timeout = setTimeout(
      () => this.lost(client, 'no answer to the heartbeat'),
      this.options.heartbeatTimeoutMs ?? 5000,
    );
    timeout.unref();
    client.query('select 1').then(
      () => {
        clearTimeout(timeout);
        if (this.client === client) this.beating = false;
      },
      (error: Error) => {
        clearTimeout(timeout);
        this.lost(client, error.message);
      },
    );
  }

  private notified(payload: string | undefined): void {
    const match = payload === undefined ? null : payloadPattern.exec(payload);
    if (match?.[1] && match[2] !== undefined) this.options.cache.sliceChanged(match[2], match[1]);
    // `*` (truncated ledger), or a payload this code does not know: assume everything changed.
    else this.options.cache.everythingChanged();
  }

  /** The connection is of no more use: flush and bypass the cache, then try again later. */
  private lost(client: pg.Client, reason: string): void {
    if (this.client !== client) return;
    this.options.cache.distrust();
    this.drop();
    client.end().catch(() => {});
    if (this.closed) return;
    if (this.outage === null || this.outage === 'starting') {
      this.logger.warn(
        { reason },
        'answer cache off: slice changes cannot be followed, answering from the database until they can',
      );
    }
    this.outage = reason;
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(delay * 2, this.options.maxReconnectMs ?? 10_000);
    this.reconnect = setTimeout(() => void this.connect(), delay);
    this.reconnect.unref();
  }

  private drop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.beating = false;
    this.client = null;
  }
}
