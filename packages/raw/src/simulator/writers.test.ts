import { describe, expect, it } from 'vitest';
import { splitAtIdChanges } from './writers.ts';

describe('splitAtIdChanges', () => {
  it('cuts rows into nearly equal parts without splitting a variable', () => {
    const ids = Int32Array.from([1, 1, 1, 2, 2, 3, 3, 3, 3, 4]);
    expect(splitAtIdChanges(ids, 1)).toEqual([0, 10]);
    expect(splitAtIdChanges(ids, 2)).toEqual([0, 5, 10]);
    expect(splitAtIdChanges(ids, 3)).toEqual([0, 3, 9, 10]);
    // More parts than variables: some parts are empty, none overlap.
    expect(splitAtIdChanges(Int32Array.from([7, 7, 7]), 3)).toEqual([0, 3, 3, 3]);
    expect(splitAtIdChanges(new Int32Array(0), 2)).toEqual([0, 0, 0]);
  });
});
