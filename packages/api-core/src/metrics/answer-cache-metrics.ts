import { Counter, Gauge, type Registry } from 'prom-client';
import type { AnswerCache } from '../answer-cache/answer-cache.ts';

/**
 * Registers the answer cache's metrics, read from its counters at scrape time:
 * `mm_api_answer_cache_requests_total{result}` (`hit`: answered from memory, `miss`: computed and
 * kept, `bypass`: computed because the cache was not trusted; the hit rate is hit / (hit + miss)),
 * `mm_api_answer_cache_evictions_total{reason}` (`size`: least recently used, for room; `changed`: a
 * slice it covers changed; `untrusted`: the slice-change listener was lost or came back),
 * `mm_api_answer_cache_notifications_total`, the `mm_api_answer_cache_bytes` held (of
 * `mm_api_answer_cache_max_bytes`), `mm_api_answer_cache_entries`, and `mm_api_answer_cache_trusted`
 * (1 while the listener follows every slice change).
 *
 * @example
 * registerAnswerCacheMetrics(registry, cache);
 */
export function registerAnswerCacheMetrics(registry: Registry, cache: AnswerCache): void {
  new Counter({
    name: 'mm_api_answer_cache_requests_total',
    help: 'Requests of the aggregate endpoints: answered from memory (hit), computed and kept (miss), computed with the cache untrusted (bypass)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const s = cache.stats();
      this.reset();
      this.inc({ result: 'hit' }, s.hits);
      this.inc({ result: 'miss' }, s.misses);
      this.inc({ result: 'bypass' }, s.bypasses);
    },
  });
  new Counter({
    name: 'mm_api_answer_cache_evictions_total',
    help: 'Answers dropped from memory: for room (size), because a slice they cover changed (changed), because slice changes could not be followed (untrusted)',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      const s = cache.stats();
      this.reset();
      this.inc({ reason: 'size' }, s.evictedForSize);
      this.inc({ reason: 'changed' }, s.evictedChanged);
      this.inc({ reason: 'untrusted' }, s.evictedUntrusted);
    },
  });
  new Counter({
    name: 'mm_api_answer_cache_notifications_total',
    help: 'Slice-change notifications received from the aggregation database',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(cache.stats().notifications);
    },
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge(
    'mm_api_answer_cache_bytes',
    'Bytes of answers held in memory (bodies, keys, bookkeeping)',
    () => cache.stats().bytes,
  );
  gauge(
    'mm_api_answer_cache_max_bytes',
    'The byte cap of the answer cache (API_CACHE_MB)',
    () => cache.maxBytes,
  );
  gauge('mm_api_answer_cache_entries', 'Answers held in memory', () => cache.stats().entries);
  gauge(
    'mm_api_answer_cache_trusted',
    '1 while slice changes are followed (answers are served from memory), else 0',
    () => (cache.trusted ? 1 : 0),
  );
}
