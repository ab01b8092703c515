import { describe, expect, it } from 'vitest';
import { parseShdrFileName } from './shdr-file-name.ts';

describe('parseShdrFileName', () => {
  it('reads the device and the first date as the UTC day', () => {
    expect(parseShdrFileName('/data/nist-mazak01/Mazak01-20190618-20190619.txt')).toEqual({
      device: 'Mazak01',
      day: '2019-06-18',
      dayStartMs: Date.UTC(2019, 5, 18),
    });
    expect(parseShdrFileName('Mazak-03_20190701.txt')?.device).toBe('Mazak-03');
    expect(parseShdrFileName('data/Mazak01-20190618-20190619.txt.gz')?.day).toBe('2019-06-18');
  });

  it('refuses names without a valid day', () => {
    for (const name of [
      'SOURCE.txt',
      'SOURCE.txt.gz',
      'Devices.xml',
      'Mazak01-20190631-20190701.txt',
      'Mazak01-2019061.txt',
      '20190618.txt',
    ]) {
      expect(parseShdrFileName(name), name).toBeUndefined();
    }
  });
});
