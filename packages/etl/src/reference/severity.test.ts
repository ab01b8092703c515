import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertType } from '../alerts/severity.ts';
import { referenceSeverity } from './severity.ts';

// Words and separators that exercise every branch: prefixes, near misses, accents (composed and
// combining), Spanish and English, and what is not a letter.
const WORDS = [
  'EMERGENCIA',
  'Emergency',
  'Preemergencia',
  'ERROR',
  'err',
  'CERRAR',
  'Terror',
  'Fallo',
  'FAULT',
  'Aviso',
  'ATENCIÓN',
  'Atencio\u0301n',
  'attention',
  'Alarma',
  'ALERT',
  'warning',
  'START',
  'SET',
  'UP',
  'SWITCH',
  'Puerta',
  'abierta',
  'ñandú',
  'ΣΦΑΛΜΑ',
];
const SEPARATORS = [' ', '  ', '(', ')', '_', '-', '!', '0', '12', '.', '"', ''];

const description = fc.option(
  fc
    .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...SEPARATORS)), { maxLength: 5 })
    .map((parts) => parts.map(([w, s]) => w + s).join('')),
);

describe('severity: alertType agrees with the reference (DOMAIN §5.4)', () => {
  it('on the rule change examples', () => {
    for (const [text, level, expected] of [
      ['START ERROR(SET UP SWITCH)', 'Warning', 'warning'],
      ['START ERROR(SET UP SWITCH)', null, 'error'],
      ['Door warning', 'Fault', 'error'],
      ['EMERGENCY STOP', 'Warning', 'emergency'],
    ] as const) {
      expect(referenceSeverity(text, level)).toBe(expected);
      expect(alertType(text, level)).toBe(expected);
    }
  });

  it('on random descriptions, with and without an MTConnect level', () => {
    fc.assert(
      fc.property(description, fc.constantFrom(null, 'Warning' as const, 'Fault' as const), (text, level) => {
        expect(alertType(text, level)).toBe(referenceSeverity(text, level));
      }),
      { numRuns: 2000 },
    );
  });
});
