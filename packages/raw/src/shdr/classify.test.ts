import { describe, expect, it } from 'vitest';
import {
  addToKeyShape,
  classifyKeyShape,
  datatypeOfCategory,
  emptyKeyShape,
  isFloatDatatype,
  sampleValue,
} from './classify.ts';
import { parseShdrLine } from './shdr-line.ts';

/** The shape of a key nothing describes, from its lines. */
function shapeOf(lines: string[]) {
  const shape = emptyKeyShape();
  for (const line of lines) {
    const parsed = parseShdrLine(line, () => undefined);
    if (parsed.kind === 'data') for (const token of parsed.tokens) addToKeyShape(shape, token);
  }
  return shape;
}

describe('sampleValue', () => {
  it('reads numbers as adapters print them, exponents included', () => {
    expect(sampleValue('210.876134')).toBe(210.876134);
    expect(sampleValue('-0.022987')).toBe(-0.022987);
    expect(sampleValue('8.333333e-05')).toBe(8.333333e-5);
    expect(sampleValue('42')).toBe(42);
    expect(sampleValue('+.5')).toBe(0.5);
  });

  it('stores UNAVAILABLE as NaN', () => {
    expect(sampleValue('UNAVAILABLE')).toBeNaN();
  });

  it('rejects anything else', () => {
    for (const text of ['', ' 1', 'NaN', 'Infinity', '0x10', '1,5', 'unavailable', '1e', '.']) {
      expect(sampleValue(text), text).toBeUndefined();
    }
  });
});

describe('datatypes', () => {
  it('maps Devices.xml categories', () => {
    const item = (category: string) => ({ id: 'x', name: 'x', category, type: undefined });
    expect(datatypeOfCategory(item('SAMPLE'))).toBe('java.lang.Double');
    expect(datatypeOfCategory(item('EVENT'))).toBe('java.lang.String');
    expect(datatypeOfCategory(item('CONDITION'))).toBe('mtconnect.Condition');
    expect(datatypeOfCategory(item('OTHER'))).toBeUndefined();
  });

  it('sends the numeric Java types to the float log (DOMAIN §1)', () => {
    expect(isFloatDatatype('java.lang.Double')).toBe(true);
    expect(isFloatDatatype('java.lang.Integer')).toBe(true);
    expect(isFloatDatatype('java.lang.String')).toBe(false);
    expect(isFloatDatatype('mtconnect.Condition')).toBe(false);
  });
});

describe('classifyKeyShape (keys missing from Devices.xml)', () => {
  it('a key whose every line is condition-shaped is a condition (S3temp_cond)', () => {
    const shape = shapeOf([
      '2019-06-12T07:00:46.763699Z|S3temp_cond|Unavailable||||',
      '2019-06-13T00:00:00Z|S3temp_cond|Fault|1|||hot',
    ]);
    expect(classifyKeyShape(shape)).toBe('mtconnect.Condition');
  });

  it('numbers, UNAVAILABLE aside, make a sample', () => {
    const shape = shapeOf(['2019-06-12T07:00:00Z|S3load|UNAVAILABLE', '2019-06-12T07:00:01Z|S3load|12.5']);
    expect(classifyKeyShape(shape)).toBe('java.lang.Double');
  });

  it('only ever UNAVAILABLE is an event: nothing shows it is numeric (S3load in the NIST logs)', () => {
    expect(classifyKeyShape(shapeOf(['2019-06-12T07:00:00Z|S3load|UNAVAILABLE']))).toBe('java.lang.String');
  });

  it('any text, or mixed shapes, make an event', () => {
    expect(classifyKeyShape(shapeOf(['2019-06-12T07:00:00Z|k|1', '2019-06-12T07:00:01Z|k|ON']))).toBe(
      'java.lang.String',
    );
    expect(classifyKeyShape(shapeOf(['2019-06-12T07:00:00Z|k|Normal||||', '2019-06-12T07:00:01Z|k|1']))).toBe(
      'java.lang.String',
    );
    expect(classifyKeyShape(emptyKeyShape())).toBe('java.lang.String');
  });
});
