import { describe, expect, it } from 'vitest';
import { shortError } from './short-error.ts';

describe('shortError', () => {
  it('keeps the first line, at most 200 characters, never the stack', () => {
    expect(shortError(null)).toBeNull();
    expect(shortError('boom\n    at run (etl.ts:1:1)\n    at next')).toBe('boom');
    const long = shortError('x'.repeat(500));
    expect(long).toHaveLength(200);
    expect(long?.endsWith('…')).toBe(true);
  });
});
