import type { FloatRows, StringRows } from './plant.ts';

/**
 * PostgreSQL's binary COPY format for the raw log tables (id_var int4, date int8, value real|text).
 * Binary rather than text: no number is formatted or parsed on either side, float4 values travel
 * bit for bit (NaN and ±Infinity included), and the server spends its time on the index, not on
 * parsing.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** Signature, flags (no OIDs), header extension length 0. */
export const COPY_HEADER: Buffer = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
/** A field count of -1 ends the data. */
export const COPY_TRAILER: Buffer = Buffer.from([0xff, 0xff]);

const TWO_32 = 4294967296;

// int16 field count, then each field as int32 length + bytes.
const FLOAT_ROW_BYTES = 2 + (4 + 4) + (4 + 8) + (4 + 4);
const STRING_ROW_FIXED_BYTES = 2 + (4 + 4) + (4 + 8) + 4;

/** A row's field count and its id_var and date fields; the value's length goes at offset + 22. */
function writeRowKey(view: DataView, offset: number, id: number, date: number): void {
  view.setInt16(offset, 3);
  view.setInt32(offset + 2, 4);
  view.setInt32(offset + 6, id);
  view.setInt32(offset + 10, 8);
  // Epoch ms fit in 53 bits; split into two 32-bit halves (floor keeps negatives right).
  const high = Math.floor(date / TWO_32);
  view.setInt32(offset + 14, high);
  view.setUint32(offset + 18, date - high * TWO_32);
}

/**
 * Float-log rows [from, to) as binary COPY tuples (without header or trailer).
 *
 * @example
 * stream.write(COPY_HEADER); stream.write(encodeFloatRows(day.float, 0, day.float.length)); stream.write(COPY_TRAILER);
 */
export function encodeFloatRows(rows: FloatRows, from: number, to: number): Buffer {
  const buffer = Buffer.allocUnsafe((to - from) * FLOAT_ROW_BYTES);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let o = 0;
  for (let i = from; i < to; i++) {
    writeRowKey(view, o, rows.ids[i] as number, rows.dates[i] as number);
    if (rows.isNull[i]) {
      view.setInt32(o + 22, -1);
      o += 26;
    } else {
      view.setInt32(o + 22, 4);
      view.setFloat32(o + 26, rows.values[i] as number);
      o += 30;
    }
  }
  return buffer.subarray(0, o);
}

/** String-log rows [from, to) as binary COPY tuples (text as UTF-8). */
export function encodeStringRows(rows: StringRows, from: number, to: number): Buffer {
  let size = 0;
  for (let i = from; i < to; i++) {
    const value = rows.values[i];
    size += STRING_ROW_FIXED_BYTES + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  const buffer = Buffer.allocUnsafe(size);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let o = 0;
  for (let i = from; i < to; i++) {
    writeRowKey(view, o, rows.ids[i] as number, rows.dates[i] as number);
    const value = rows.values[i];
    if (typeof value === 'string') {
      const length = buffer.write(value, o + 26, 'utf8');
      view.setInt32(o + 22, length);
      o += 26 + length;
    } else {
      view.setInt32(o + 22, -1);
      o += 26;
    }
  }
  return buffer.subarray(0, o);
}
