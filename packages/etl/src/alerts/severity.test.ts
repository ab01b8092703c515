import { describe, expect, it } from 'vitest';
import { alertType, words } from './severity.ts';

describe('words', () => {
  it('splits on anything that is not a letter and lowercases', () => {
    expect(words('Puerta  abierta!')).toEqual(['puerta', 'abierta']);
    expect(words('Poti Avance = 0 !')).toEqual(['poti', 'avance']);
    expect(words('PLC00054')).toEqual(['plc']);
    expect(words('COND.MISSING (DOOR OPEN)')).toEqual(['cond', 'missing', 'door', 'open']);
    expect(words('')).toEqual([]);
  });

  it('keeps accented letters inside a word, also when the accent is a combining mark', () => {
    expect(words('Atención: nivel bajo')).toEqual(['atención', 'nivel', 'bajo']);
    // NFD: "o" + U+0301. Without NFC this would be the two words "atencio" and "n".
    expect(words('Atencio\u0301n')).toEqual(['atención']);
    expect(words('ATENCIÓN')).toEqual(['atención']);
  });
});

describe('alertType (DOMAIN §5.4)', () => {
  it.each([
    // json-snapshot descriptions (no MTConnect level)
    ['Parada de EMERGENCIA', 'emergency'],
    ['emergency stop', 'emergency'],
    ['Fallo servo', 'error'],
    ['FALLO', 'error'],
    ['Error de lectura', 'error'],
    ['ERR_01', 'error'], // "ERR" is a word: "_" and digits are not letters
    ['Servo fault', 'error'],
    ['Atención: nivel bajo', 'warning'],
    ['ATENCION nivel', 'warning'],
    ['Attention please', 'warning'],
    ['Aviso: cambio de herramienta', 'warning'],
    ['Alarma "hidráulica"', 'warning'],
    ['ALERT', 'warning'],
    ['Warning lamp', 'warning'],
    ['CERRAR PUERTA', 'other'], // "CERRAR" contains "err" but does not start with it
    ['Terror', 'other'], // starts with "ter"
    ['Puerta  abierta!', 'other'],
    ['Poti Avance = 0 !', 'other'],
    ['Imposible acceder al fichero', 'other'],
    ['Preemergencia', 'other'], // a word must START with the prefix
  ] as const)('%s → %s', (description, expected) => {
    expect(alertType(description, null)).toBe(expected);
  });

  it('first match wins: emergency before error before warning', () => {
    expect(alertType('Fallo: parada de emergencia', null)).toBe('emergency');
    expect(alertType('Aviso: fallo servo', null)).toBe('error');
    expect(alertType('EMERGENCY', 'Warning')).toBe('emergency');
    expect(alertType('EMERGENCY', 'Fault')).toBe('emergency');
  });

  it('lets an MTConnect level decide, whatever other words the message holds', () => {
    expect(alertType('INTERFERE', 'Fault')).toBe('error');
    expect(alertType('INTERFERE', 'Warning')).toBe('warning');
    expect(alertType(null, 'Fault')).toBe('error');
    expect(alertType(null, 'Warning')).toBe('warning');
    // Real NIST lines `Warning|…|START ERROR(SET UP SWITCH)`: the level says warning, the word "error" does not count.
    expect(alertType('START ERROR(SET UP SWITCH)', 'Warning')).toBe('warning');
    expect(alertType('START ERROR(DOOR OPEN)', 'Warning')).toBe('warning');
    expect(alertType('Door warning', 'Fault')).toBe('error');
    expect(alertType('Aviso', 'Fault')).toBe('error');
    // Only an emerg… word lifts either level.
    expect(alertType('Emergency stop pressed', 'Warning')).toBe('emergency');
    expect(alertType('EMERGENCIA', 'Fault')).toBe('emergency');
  });

  it('reads only the description, never the code', () => {
    expect(alertType(null, null)).toBe('other');
    expect(alertType('', null)).toBe('other');
  });
});
