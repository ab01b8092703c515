import { describe, expect, it } from 'vitest';
import { isConnectionError } from './errors.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it('recognises unreachable servers and refused sessions', () => {
    expect(isConnectionError(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))).toBe(true);
    expect(isConnectionError(withCode('getaddrinfo ENOTFOUND db', 'ENOTFOUND'))).toBe(true);
    expect(isConnectionError(withCode('the database system is shutting down', '57P03'))).toBe(true);
    expect(isConnectionError(withCode('database "x" does not exist', '3D000'))).toBe(true);
    expect(isConnectionError(withCode('password authentication failed', '28P01'))).toBe(true);
    expect(isConnectionError(withCode('connection failure', '08006'))).toBe(true);
    expect(isConnectionError(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isConnectionError(new AggregateError([withCode('x', 'ECONNREFUSED')], ''))).toBe(true);
    expect(isConnectionError(new Error('wrapped', { cause: withCode('x', 'ETIMEDOUT') }))).toBe(true);
  });

  it('does not take a failing query for an outage', () => {
    expect(isConnectionError(withCode('relation "x" does not exist', '42P01'))).toBe(false);
    expect(isConnectionError(withCode('division by zero', '22012'))).toBe(false);
    expect(isConnectionError(new TypeError('x is undefined'))).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
  });
});
