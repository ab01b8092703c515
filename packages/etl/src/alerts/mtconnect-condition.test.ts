import { describe, expect, it } from 'vitest';
import { ConditionTracker, parseCondition } from './mtconnect-condition.ts';

describe('parseCondition', () => {
  it('reads Warning and Fault rows as logged', () => {
    expect(parseCondition('Fault|270|90||COND.MISSING (DOOR OPEN)')).toEqual({
      kind: 'active',
      level: 'Fault',
      identity: '270',
      code: '270',
      description: 'COND.MISSING (DOOR OPEN)',
    });
    expect(parseCondition('Warning|1101|25||INTERFERE')).toMatchObject({ kind: 'active', level: 'Warning' });
  });

  it('keeps a | inside the message, and maps empty fields to null', () => {
    expect(parseCondition('Fault|7|||a|b')).toMatchObject({ description: 'a|b' });
    expect(parseCondition('Fault||||')).toEqual({
      kind: 'active',
      level: 'Fault',
      identity: '',
      code: null,
      description: null,
    });
    expect(parseCondition('Warning')).toMatchObject({ kind: 'active', code: null, description: null });
  });

  it('uses the message as the identity when the code is empty', () => {
    expect(parseCondition('Warning| |||LOW OIL ')).toMatchObject({ identity: 'LOW OIL', code: null });
  });

  it('Normal with a code clears that code; Normal without one, Unavailable and off rows clear all', () => {
    expect(parseCondition('Normal|237|||')).toEqual({ kind: 'clear', identity: '237' });
    expect(parseCondition('Normal| 237 |||')).toEqual({ kind: 'clear', identity: '237' });
    for (const value of ['Normal||||', 'Normal', 'Normal|||x|msg', 'Unavailable||||', 'Unavailable|9|||']) {
      expect(parseCondition(value)).toEqual({ kind: 'clear-all' });
    }
    for (const value of [null, '', '  ', 'UNAVAILABLE'])
      expect(parseCondition(value)).toEqual({ kind: 'clear-all' });
  });

  it('reads the level trimmed and case-insensitively', () => {
    expect(parseCondition(' FAULT |1|||x')).toMatchObject({ kind: 'active', level: 'Fault' });
    expect(parseCondition('normal||||')).toEqual({ kind: 'clear-all' });
  });

  it('an unknown level is invalid', () => {
    for (const value of ['Broken|1|||x', 'Error|1|||x', '<Normal|Warning>|||', '42', '[]']) {
      expect(parseCondition(value)).toEqual({ kind: 'invalid' });
    }
  });
});

describe('ConditionTracker', () => {
  const levels = (t: ConditionTracker, value: string | null) => {
    const step = t.apply(value);
    return step.valid ? step.activations.map((a) => `${a.level} ${a.identity}`) : 'invalid';
  };

  it('a re-sent identical condition is one activation', () => {
    const t = new ConditionTracker();
    expect(levels(t, 'Fault|270|90||COND.MISSING (DOOR OPEN)')).toEqual(['Fault 270']);
    expect(levels(t, 'Fault|270|90||COND.MISSING (DOOR OPEN)')).toEqual([]);
  });

  it('Warning → Fault while active is a new activation at the new level (and so is Fault → Warning)', () => {
    const t = new ConditionTracker();
    expect(levels(t, 'Warning|1101|25||INTERFERE')).toEqual(['Warning 1101']);
    expect(levels(t, 'Fault|1101|90||INTERFERE')).toEqual(['Fault 1101']);
    expect(levels(t, 'Fault|1101|90||INTERFERE')).toEqual([]);
    // DOMAIN: "Warning or Fault for a code not already active AT THAT LEVEL is an activation".
    expect(levels(t, 'Warning|1101|25||INTERFERE')).toEqual(['Warning 1101']);
  });

  it('codes are independent; Normal|code clears only that code', () => {
    const t = new ConditionTracker();
    t.apply('Warning|237|25||MAGAZINE DOOR OPENED');
    expect(levels(t, 'Warning|235|25||MAGAZINE MANUAL INTERRUPT')).toEqual(['Warning 235']);
    expect(levels(t, 'Normal|237|||')).toEqual([]);
    expect(levels(t, 'Warning|235|25||MAGAZINE MANUAL INTERRUPT')).toEqual([]);
    expect(levels(t, 'Warning|237|25||MAGAZINE DOOR OPENED')).toEqual(['Warning 237']);
  });

  it('Normal without a code, Unavailable and off rows clear every code', () => {
    for (const clear of ['Normal||||', 'Unavailable||||', 'UNAVAILABLE', null]) {
      const t = new ConditionTracker();
      t.apply('Fault|1|||a');
      t.apply('Warning|2|||b');
      t.apply(clear);
      expect(levels(t, 'Fault|1|||a')).toEqual(['Fault 1']);
      expect(levels(t, 'Warning|2|||b')).toEqual(['Warning 2']);
    }
  });

  it('an invalid row changes nothing', () => {
    const t = new ConditionTracker();
    t.apply('Fault|1|||a');
    expect(levels(t, 'Garbage|1|||a')).toBe('invalid');
    expect(levels(t, 'Fault|1|||a')).toEqual([]);
  });

  it('keeps the raw value as logged', () => {
    const step = new ConditionTracker().apply('Fault|284|90||NOT UNCLAMPED(SPDL ORI. UNFIN)');
    expect(step).toEqual({
      valid: true,
      activations: [
        {
          identity: '284',
          code: '284',
          description: 'NOT UNCLAMPED(SPDL ORI. UNFIN)',
          level: 'Fault',
          raw: 'Fault|284|90||NOT UNCLAMPED(SPDL ORI. UNFIN)',
        },
      ],
    });
  });
});
