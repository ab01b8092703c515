import { describe, expect, it } from 'vitest';
import { type IsCondition, parseShdrLine, parseShdrTimestamp } from './shdr-line.ts';

// As Mazak01's Devices.xml says: `*_cond` and `*travel` are conditions, the rest samples or events.
const mazak: IsCondition = (key) =>
  /(_cond|travel)$/.test(key) ? true : ['Xload', 'execution'].includes(key) ? false : undefined;

describe('parseShdrTimestamp', () => {
  it('reads millisecond stamps', () => {
    expect(parseShdrTimestamp('2019-06-18T10:13:09.870Z')).toBe(Date.UTC(2019, 5, 18, 10, 13, 9, 870));
  });

  it('truncates microseconds to the millisecond, never rounds', () => {
    expect(parseShdrTimestamp('2019-06-12T07:00:46.763699Z')).toBe(Date.UTC(2019, 5, 12, 7, 0, 46, 763));
    expect(parseShdrTimestamp('2019-06-12T07:00:46.999999Z')).toBe(Date.UTC(2019, 5, 12, 7, 0, 46, 999));
  });

  it('reads short fractions, none, offsets, and no zone as UTC', () => {
    expect(parseShdrTimestamp('2019-06-18T10:13:09.8Z')).toBe(Date.UTC(2019, 5, 18, 10, 13, 9, 800));
    expect(parseShdrTimestamp('2019-06-18T10:13:09Z')).toBe(Date.UTC(2019, 5, 18, 10, 13, 9));
    expect(parseShdrTimestamp('2019-06-18T10:13:09')).toBe(Date.UTC(2019, 5, 18, 10, 13, 9));
    expect(parseShdrTimestamp('2019-06-18T12:13:09.5+02:00')).toBe(Date.UTC(2019, 5, 18, 10, 13, 9, 500));
    expect(parseShdrTimestamp('2019-06-18T05:13:09-0500')).toBe(Date.UTC(2019, 5, 18, 10, 13, 9));
  });

  it('rejects what is not an instant', () => {
    for (const text of [
      '',
      'garbage',
      '2019-06-31T00:00:00Z',
      '2019-13-01T00:00:00Z',
      '2019-06-18T24:00:00Z',
      '2019-06-18 10:13:09Z',
    ]) {
      expect(parseShdrTimestamp(text), text).toBeUndefined();
    }
  });

  it('does not carry a valid day over to an invalid one', () => {
    expect(parseShdrTimestamp('2019-02-28T00:00:00Z')).toBe(Date.UTC(2019, 1, 28));
    expect(parseShdrTimestamp('2019-02-29T00:00:00Z')).toBeUndefined();
    expect(parseShdrTimestamp('2019-02-29T00:00:01Z')).toBeUndefined();
  });
});

describe('parseShdrLine', () => {
  const ts = Date.UTC(2019, 5, 18, 10, 13, 9, 870);

  it('reads a key|value line', () => {
    expect(parseShdrLine('2019-06-18T10:13:09.870Z|Xload|34', mazak)).toEqual({
      kind: 'data',
      ts,
      tokens: [{ key: 'Xload', value: '34', condition: false }],
    });
  });

  it('keeps empty values and values as written', () => {
    const line = parseShdrLine('2019-06-18T10:13:09.870Z|program_cmt|(wrenn) 014-1230 ', mazak);
    expect(line.kind === 'data' && line.tokens[0]).toEqual({
      key: 'program_cmt',
      value: '(wrenn) 014-1230 ',
      condition: false,
    });
    const empty = parseShdrLine('2019-06-18T10:13:09.870Z|subprogram|', mazak);
    expect(empty.kind === 'data' && empty.tokens[0]?.value).toBe('');
  });

  it('stores a condition as Level|code|nativeSeverity|qualifier|message', () => {
    const line = parseShdrLine(
      '2019-06-18T10:13:09.870Z|logic_cond|Fault|2003|1|HIGH|SPINDLE OVERLOAD',
      mazak,
    );
    expect(line).toEqual({
      kind: 'data',
      ts,
      tokens: [{ key: 'logic_cond', value: 'Fault|2003|1|HIGH|SPINDLE OVERLOAD', condition: true }],
    });
    const unavailable = parseShdrLine(
      '2019-06-12T07:00:46.763699Z|C2travel|Unavailable||||',
      () => undefined,
    );
    expect(unavailable.kind === 'data' && unavailable.tokens[0]).toEqual({
      key: 'C2travel',
      value: 'Unavailable||||',
      condition: true,
    });
  });

  it('spells the level canonically', () => {
    const line = parseShdrLine('2019-06-18T10:13:09.870Z|logic_cond|FAULT|1||| x', mazak);
    expect(line.kind === 'data' && line.tokens[0]?.value).toBe('Fault|1||| x');
  });

  it('pads a known condition given fewer than five fields at the end of the line', () => {
    const line = parseShdrLine('2019-06-18T10:13:09.870Z|Xtravel|UNAVAILABLE', mazak);
    expect(line.kind === 'data' && line.tokens[0]?.value).toBe('Unavailable||||');
  });

  it('reads several key|value pairs on one line, a condition taking five fields', () => {
    const line = parseShdrLine(
      '2019-06-18T10:13:09.870Z|Xload|34|Xtravel|Warning|7||| over travel|execution|ACTIVE',
      mazak,
    );
    expect(line.kind === 'data' && line.tokens).toEqual([
      { key: 'Xload', value: '34', condition: false },
      { key: 'Xtravel', value: 'Warning|7||| over travel', condition: true },
      { key: 'execution', value: 'ACTIVE', condition: false },
    ]);
  });

  it('reads an unknown key as a condition only when its next field is a level with five fields left', () => {
    const unknown = () => undefined;
    const pairs = parseShdrLine('2019-06-18T10:13:09.870Z|a|Normal|b|2', unknown);
    expect(pairs.kind === 'data' && pairs.tokens).toEqual([
      { key: 'a', value: 'Normal', condition: false },
      { key: 'b', value: '2', condition: false },
    ]);
    const condition = parseShdrLine('2019-06-18T10:13:09.870Z|a|Normal||||', unknown);
    expect(condition.kind === 'data' && condition.tokens).toEqual([
      { key: 'a', value: 'Normal||||', condition: true },
    ]);
  });

  it('never reads a known event as a condition', () => {
    const line = parseShdrLine('2019-06-18T10:13:09.870Z|execution|Normal|Xload|1|Xfrt|2', mazak);
    expect(line.kind === 'data' && line.tokens.map((t) => t.key)).toEqual(['execution', 'Xload', 'Xfrt']);
  });

  it('drops the CR of a CRLF line end', () => {
    const line = parseShdrLine('2019-06-18T15:13:00.078Z|Tool_suffix|\r', mazak);
    expect(line.kind === 'data' && line.tokens[0]?.value).toBe('');
  });

  it('tells blank lines from malformed ones', () => {
    expect(parseShdrLine('', mazak)).toEqual({ kind: 'blank' });
    expect(parseShdrLine('  \r', mazak)).toEqual({ kind: 'blank' });
    for (const text of [
      'not a line',
      '2019-06-18T10:13:09.870Z',
      '2019-06-18T10:13:09.870Z|Xload',
      '2019-06-18T10:13:09.870Z|Xload|1|Yload',
      '2019-06-18T10:13:09.870Z||1',
      'yesterday|Xload|1',
      '2019-06-18T10:13:09.870Z|logic_cond|broken||||',
    ]) {
      expect(parseShdrLine(text, mazak).kind, text).toBe('malformed');
    }
  });
});
