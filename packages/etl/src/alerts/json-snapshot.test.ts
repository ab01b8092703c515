import { describe, expect, it } from 'vitest';
import { JsonSnapshotTracker, parseJsonSnapshot } from './json-snapshot.ts';

const POTI = ['PLC00054', 'Poti Avance = 0 !', 3, 3, 50331702];
const FICHERO = ['250-1398', 'Imposible acceder al fichero', 1, 2, 38802328];
const PUERTA = ['PLC00010', 'Puerta  abierta!', 3, 3, 50331658];
const json = (...elements: unknown[]) => JSON.stringify(elements);

describe('parseJsonSnapshot', () => {
  it('reads real logger values as logged (double spaces kept)', () => {
    expect(parseJsonSnapshot(json(PUERTA))).toEqual({
      kind: 'snapshot',
      ignoredElements: 0,
      alarms: [{ identity: 'PLC00010', code: 'PLC00010', description: 'Puerta  abierta!', raw: PUERTA }],
    });
    expect(parseJsonSnapshot('[]')).toEqual({ kind: 'snapshot', alarms: [], ignoredElements: 0 });
  });

  it('keeps quotes inside descriptions', () => {
    const element = ['PLC00077', 'Pulsar "MARCHA"  y \'reset\'', 3, 3, 1];
    const parsed = parseJsonSnapshot(json(element));
    expect(parsed).toMatchObject({ alarms: [{ description: 'Pulsar "MARCHA"  y \'reset\'', raw: element }] });
  });

  it('treats NULL, empty and UNAVAILABLE as off', () => {
    for (const value of [null, '', '   ', 'UNAVAILABLE', ' UNAVAILABLE\n']) {
      expect(parseJsonSnapshot(value)).toEqual({ kind: 'off' });
    }
  });

  it('rejects rows that are not a JSON array', () => {
    for (const value of ['[["PLC00010"', 'garbage', '{"a":1}', '"[]"', 'null', '42', 'unavailable']) {
      expect(parseJsonSnapshot(value)).toEqual({ kind: 'invalid' });
    }
  });

  it('ignores elements that are not arrays of at least two entries', () => {
    const parsed = parseJsonSnapshot(json(['ONLY-CODE'], 'text', 7, null, { code: 'X' }, POTI));
    expect(parsed).toEqual({
      kind: 'snapshot',
      ignoredElements: 5,
      alarms: [{ identity: 'PLC00054', code: 'PLC00054', description: 'Poti Avance = 0 !', raw: POTI }],
    });
  });

  it('identity: trimmed code, or trimmed description when the code is empty; empty fields are null', () => {
    const parsed = parseJsonSnapshot(json([' PLC1 ', ' x '], ['', ' Sin código '], ['  ', ''], [54, null]));
    expect(parsed).toEqual({
      kind: 'snapshot',
      ignoredElements: 0,
      alarms: [
        { identity: 'PLC1', code: ' PLC1 ', description: ' x ', raw: [' PLC1 ', ' x '] },
        { identity: 'Sin código', code: null, description: ' Sin código ', raw: ['', ' Sin código '] },
        { identity: '', code: null, description: null, raw: ['  ', ''] },
        { identity: '54', code: '54', description: null, raw: [54, null] },
      ],
    });
  });

  it('keeps one alarm per identity, the first element', () => {
    const parsed = parseJsonSnapshot(json(['A', 'first'], [' A', 'second'], ['B', 'b']));
    expect(parsed).toMatchObject({ alarms: [{ identity: 'A', description: 'first' }, { identity: 'B' }] });
  });
});

describe('JsonSnapshotTracker', () => {
  const identities = (t: JsonSnapshotTracker, value: string | null) => {
    const step = t.apply(value);
    return step.valid ? step.activations.map((a) => a.identity) : 'invalid';
  };

  it('counts an alarm once however many snapshots repeat it', () => {
    const t = new JsonSnapshotTracker();
    expect(identities(t, json(POTI))).toEqual(['PLC00054']);
    expect(identities(t, json(POTI))).toEqual([]);
    expect(identities(t, json(POTI, FICHERO))).toEqual(['250-1398']);
    expect(identities(t, json(FICHERO, POTI))).toEqual([]); // order does not matter
  });

  it('an alarm that goes away and comes back is a new activation', () => {
    const t = new JsonSnapshotTracker();
    t.apply(json(POTI));
    expect(identities(t, '[]')).toEqual([]);
    expect(identities(t, json(POTI))).toEqual(['PLC00054']);
  });

  it('an invalid row is skipped: the previous snapshot stands', () => {
    const t = new JsonSnapshotTracker();
    t.apply(json(POTI));
    expect(identities(t, '[["PLC00054", "Poti')).toBe('invalid');
    expect(identities(t, json(POTI))).toEqual([]);
  });

  it('an off row clears every alarm, then a re-activation counts', () => {
    const t = new JsonSnapshotTracker();
    t.apply(json(POTI, PUERTA));
    expect(identities(t, null)).toEqual([]);
    expect(identities(t, json(POTI, PUERTA))).toEqual(['PLC00054', 'PLC00010']);
    t.apply('UNAVAILABLE');
    expect(identities(t, json(PUERTA))).toEqual(['PLC00010']);
  });

  it('same code with another description is the same alarm', () => {
    const t = new JsonSnapshotTracker();
    t.apply(json(['PLC00010', 'Puerta abierta']));
    expect(identities(t, json(['PLC00010', 'Puerta  abierta!']))).toEqual([]);
  });

  it('reports the element as logged', () => {
    const step = new JsonSnapshotTracker().apply(json(FICHERO));
    expect(step).toEqual({
      valid: true,
      activations: [
        {
          identity: '250-1398',
          code: '250-1398',
          description: 'Imposible acceder al fichero',
          level: null,
          raw: FICHERO,
        },
      ],
    });
  });
});
