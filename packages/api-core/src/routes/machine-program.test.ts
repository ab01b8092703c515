import { describe, expect, it } from 'vitest';
import { programValue } from './machine-program.ts';

describe('programValue', () => {
  it.each<[string, number | string]>([
    ['12', 12],
    ['0', 0],
    ['+007', 7],
    ['-5', -5],
    ['O1234', 'O1234'],
    ['12.5', '12.5'],
    [' 12', ' 12'],
    ['', ''],
    ['1e3', '1e3'],
    ['99999999999999999999', '99999999999999999999'],
  ])('%j → %j', (stored, served) => {
    expect(programValue(stored)).toBe(served);
  });
});
