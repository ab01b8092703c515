// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose's ${VAR} syntax is what these strings test
import { describe, expect, it } from 'vitest';
import { durationSeconds, interpolate } from './compose-file.ts';

describe('interpolate', () => {
  it('follows compose: :- for unset or empty, - for unset only, $$ for a dollar', () => {
    const vars = { SET: 'x', EMPTY: '' };
    expect(interpolate('${SET:-d} ${EMPTY:-d} ${UNSET:-d}', vars)).toBe('x d d');
    expect(interpolate('${SET-d} [${EMPTY-d}] ${UNSET-d}', vars)).toBe('x [] d');
    expect(interpolate('${SET} [${UNSET}] $SET', vars)).toBe('x [] x');
    expect(interpolate('sh -c "echo $$HOME $$(date)"', vars)).toBe('sh -c "echo $HOME $(date)"');
    expect(interpolate('${UNSET:-}', vars)).toBe('');
  });

  it('${VAR:?message} refuses a missing variable with the message', () => {
    expect(() => interpolate('${UNSET:?set it in .env}', {})).toThrow('UNSET: set it in .env');
    expect(interpolate('${SET:?set it}', { SET: 'y' })).toBe('y');
  });
});

describe('durationSeconds', () => {
  it('reads compose durations', () => {
    expect(durationSeconds('90s')).toBe(90);
    expect(durationSeconds('1m30s')).toBe(90);
    expect(durationSeconds('1h')).toBe(3600);
    expect(durationSeconds('500ms')).toBe(0.5);
  });

  it('refuses what is not one', () => {
    expect(() => durationSeconds('90')).toThrow('not a compose duration');
    expect(() => durationSeconds('90s and more')).toThrow('not a compose duration');
  });
});
