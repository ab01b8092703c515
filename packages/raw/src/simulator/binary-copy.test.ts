import { describe, expect, it } from 'vitest';
import { COPY_HEADER, COPY_TRAILER, encodeFloatRows, encodeStringRows } from './binary-copy.ts';

// A reader of the format, written from PostgreSQL's documentation of COPY BINARY.
function decode(buffer: Buffer, value: (field: Buffer) => unknown) {
  const rows: Array<[number, number, unknown]> = [];
  for (let o = 0; o < buffer.length; ) {
    expect(buffer.readInt16BE(o)).toBe(3);
    expect(buffer.readInt32BE(o + 2)).toBe(4);
    const id = buffer.readInt32BE(o + 6);
    expect(buffer.readInt32BE(o + 10)).toBe(8);
    const date = Number(buffer.readBigInt64BE(o + 14));
    const length = buffer.readInt32BE(o + 22);
    rows.push([id, date, length < 0 ? null : value(buffer.subarray(o + 26, o + 26 + length))]);
    o += 26 + Math.max(0, length);
  }
  return rows;
}

describe('binary COPY encoding', () => {
  it('frames the stream as PostgreSQL expects', () => {
    expect(COPY_HEADER.toString('latin1', 0, 11)).toBe('PGCOPY\n\xff\r\n\0');
    expect(COPY_HEADER).toHaveLength(19);
    expect(COPY_TRAILER.readInt16BE(0)).toBe(-1);
  });

  it('encodes float rows bit for bit: NaN, ±Infinity, NULL, negative epochs', () => {
    const values = [
      255,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Math.fround(21.3),
      0,
    ];
    const rows = {
      length: 6,
      ids: Int32Array.from([1, 1, 2, 2, 3, 4]),
      dates: Float64Array.from([1711846799500, 1711846800000, 0, 1, -1000, 2 ** 40 + 7]),
      values: Float64Array.from(values),
      isNull: Uint8Array.from([0, 0, 0, 0, 0, 1]),
    };
    const decoded = decode(encodeFloatRows(rows, 0, 6), (f) => f.readFloatBE(0));
    expect(decoded).toEqual([
      [1, 1711846799500, 255],
      [1, 1711846800000, Number.NaN],
      [2, 0, Number.POSITIVE_INFINITY],
      [2, 1, Number.NEGATIVE_INFINITY],
      [3, -1000, Math.fround(21.3)],
      [4, 2 ** 40 + 7, null],
    ]);
    expect(decode(encodeFloatRows(rows, 2, 4), (f) => f.readFloatBE(0)).map((r) => r[0])).toEqual([2, 2]);
  });

  it('encodes text as UTF-8 with its byte length', () => {
    const rows = {
      length: 3,
      ids: Int32Array.from([4, 4, 4]),
      dates: Float64Array.from([10, 20, 30]),
      values: ['[["PLC00200","Atención: nivel de taladrina bajo",3,4,50332160]]', null, ''],
    };
    expect(decode(encodeStringRows(rows, 0, 3), (f) => f.toString('utf8'))).toEqual([
      [4, 10, rows.values[0]],
      [4, 20, null],
      [4, 30, ''],
    ]);
  });
});
