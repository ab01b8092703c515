import { describe, expect, it } from 'vitest';
import { AnswerCache, type CachedAnswer, type CoveredDays } from './answer-cache.ts';

const day = (machine: string, d: string): CoveredDays => ({ machine, from: d, to: d });
const answer = (text: string): CachedAnswer => ({
  tag: `"${text}"`,
  body: new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>,
  contentType: 'application/json',
});

/** Computes and keeps one answer the way the middleware does: begin, (queries), finish. */
function keep(cache: AnswerCache, key: string, covered: CoveredDays, text = key): boolean {
  return cache.finish(cache.begin(covered), key, answer(text));
}

function trusted(maxBytes = 1 << 20, maxEntryBytes?: number): AnswerCache {
  const cache = new AnswerCache({ maxBytes, ...(maxEntryBytes ? { maxEntryBytes } : {}) });
  cache.trust();
  return cache;
}

describe('AnswerCache', () => {
  it('keeps nothing and serves nothing until it is trusted', () => {
    const cache = new AnswerCache({ maxBytes: 1 << 20 });
    expect(keep(cache, 'a', day('m1', '2024-10-27'))).toBe(false);
    cache.trust();
    expect(cache.get('a')).toBeUndefined();
    expect(keep(cache, 'a', day('m1', '2024-10-27'))).toBe(true);
    expect(cache.get('a')?.tag).toBe('"a"');
  });

  it('drops exactly the answers whose machine and days changed', () => {
    const cache = trusted();
    keep(cache, 'day', day('m1', '2024-10-27'));
    keep(cache, 'other day', day('m1', '2024-10-26'));
    keep(cache, 'other machine', day('m2', '2024-10-27'));
    keep(cache, 'range', { machine: 'm1', from: '2024-10-01', to: '2024-10-31' });
    keep(cache, 'all days', { machine: 'm1', from: null, to: null });

    cache.sliceChanged('m1', '2024-10-27');
    expect(cache.get('day')).toBeUndefined();
    expect(cache.get('range')).toBeUndefined();
    expect(cache.get('all days')).toBeUndefined();
    expect(cache.get('other day')).toBeDefined();
    expect(cache.get('other machine')).toBeDefined();
    expect(cache.stats()).toMatchObject({ entries: 2, evictedChanged: 3, notifications: 1 });

    cache.sliceChanged('m1', '2024-11-01'); // a day nothing kept covers
    expect(cache.stats().entries).toBe(2);
    cache.everythingChanged();
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0, evictedChanged: 5 });
  });

  it('keeps nothing computed while a slice it covers changed (the change may have committed after its query)', () => {
    const cache = trusted();
    const racing = cache.begin(day('m1', '2024-10-27'));
    const unrelated = cache.begin(day('m1', '2024-10-26'));
    cache.sliceChanged('m1', '2024-10-27');
    expect(cache.finish(racing, 'racing', answer('old rows'))).toBe(false);
    expect(cache.finish(unrelated, 'unrelated', answer('still right'))).toBe(true);
    expect(cache.get('racing')).toBeUndefined();

    // A change that arrives after the answer was kept drops it.
    keep(cache, 'racing', day('m1', '2024-10-27'));
    cache.sliceChanged('m1', '2024-10-27');
    expect(cache.get('racing')).toBeUndefined();
  });

  it('drops everything and keeps nothing begun before, when the listener is lost or comes back', () => {
    const cache = trusted();
    keep(cache, 'a', day('m1', '2024-10-27'));
    const before = cache.begin(day('m2', '2024-10-27'));
    cache.distrust();
    expect(cache.trusted).toBe(false);
    expect(cache.get('a')).toBeUndefined();
    const during = cache.begin(day('m2', '2024-10-27'));
    cache.trust();
    // Neither may have seen a change that was missed while nobody listened.
    expect(cache.finish(before, 'b', answer('b'))).toBe(false);
    expect(cache.finish(during, 'c', answer('c'))).toBe(false);
    expect(cache.stats()).toMatchObject({ entries: 0, evictedUntrusted: 1, trusted: true });
    expect(keep(cache, 'd', day('m2', '2024-10-27'))).toBe(true);
  });

  it('holds at most maxBytes, dropping the least recently used first, and never one answer over maxEntryBytes', () => {
    const body = 'x'.repeat(1000);
    const probe = trusted();
    keep(probe, 'k00', day('m1', '2024-01-01'), body);
    const perEntry = probe.stats().bytes; // the body, the key, the tag and bookkeeping
    expect(perEntry).toBeGreaterThan(1000);

    const cache = trusted(perEntry * 3, perEntry);
    keep(cache, 'k01', day('m1', '2024-01-01'), body);
    keep(cache, 'k02', day('m1', '2024-01-02'), body);
    keep(cache, 'k03', day('m1', '2024-01-03'), body);
    expect(cache.get('k01')).toBeDefined(); // k02 is now the least recently used
    keep(cache, 'k04', day('m1', '2024-01-04'), body);
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: perEntry * 3, evictedForSize: 1 });
    expect(cache.get('k02')).toBeUndefined();
    for (const key of ['k01', 'k03', 'k04']) expect(cache.get(key), key).toBeDefined();

    // Dropped for room, an answer no longer answers to changes of its days either.
    cache.sliceChanged('m1', '2024-01-02');
    expect(cache.stats().evictedChanged).toBe(0);

    const small = trusted(perEntry * 16, perEntry - 1);
    expect(keep(small, 'k05', day('m1', '2024-01-05'), body)).toBe(false);
    expect(keep(small, 'k06', day('m1', '2024-01-06'), 'small')).toBe(true);
  });

  it('replaces an answer kept under the same key, counting its bytes once', () => {
    const cache = trusted();
    cache.finish(cache.begin(day('m1', '2024-10-27')), 'k', { tag: '"t"', body: null, contentType: '' });
    const tagOnly = cache.stats().bytes;
    keep(cache, 'k', day('m1', '2024-10-27'), 'full body');
    expect(cache.stats().entries).toBe(1);
    // The body, and a longer tag.
    expect(cache.stats().bytes).toBe(tagOnly + 'full body'.length + '"full body"'.length - '"t"'.length);
    expect(new TextDecoder().decode(cache.get('k')?.body ?? undefined)).toBe('full body');
  });

  it('counts hits, misses and bypasses as told', () => {
    const cache = trusted();
    cache.record('hit');
    cache.record('hit');
    cache.record('miss');
    cache.record('bypass');
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, bypasses: 1 });
  });
});
