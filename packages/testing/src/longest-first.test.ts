import { describe, expect, it } from 'vitest';
import { type FileToOrder, longestFirst } from './longest-first.ts';

const file = (name: string, over: Partial<FileToOrder> = {}) => ({
  name,
  project: 'integration',
  isolate: true,
  size: 1_000,
  ...over,
});
const names = (files: Array<{ name: string }>) => files.map((f) => f.name);

describe('longestFirst', () => {
  it('starts the longest files first, by the last run when known, else by the expected seconds', () => {
    const order = longestFirst([
      file('short', { expectedSeconds: 5 }),
      file('unknown', { size: 50_000 }),
      file('long-last-time', { lastSeconds: 90, expectedSeconds: 10 }),
      file('long-expected', { expectedSeconds: 60 }),
      file('fast-now', { lastSeconds: 2, expectedSeconds: 80 }),
    ]);
    expect(names(order)).toEqual(['long-last-time', 'long-expected', 'short', 'fast-now', 'unknown']);
  });

  it('orders files of unknown length biggest first', () => {
    const order = longestFirst([file('small', { size: 10 }), file('big', { size: 9_000 })]);
    expect(names(order)).toEqual(['big', 'small']);
  });

  it('keeps projects apart in name order, isolated ones first, whatever their lengths', () => {
    const order = longestFirst([
      file('unit-long', { project: 'unit', isolate: false, expectedSeconds: 100 }),
      file('shared', { isolate: false, expectedSeconds: 50 }),
      file('isolated', { expectedSeconds: 1 }),
    ]);
    expect(names(order)).toEqual(['isolated', 'shared', 'unit-long']);
  });

  it('leaves its input as it was', () => {
    const input = [file('a', { expectedSeconds: 1 }), file('b', { expectedSeconds: 2 })];
    longestFirst(input);
    expect(names(input)).toEqual(['a', 'b']);
  });
});
