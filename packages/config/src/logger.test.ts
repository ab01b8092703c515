import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.ts';

/** A pino destination that keeps each line. */
function lines() {
  const written: string[] = [];
  return {
    written,
    destination: { write: (line: string) => void written.push(line) },
    // biome-ignore lint/suspicious/noExplicitAny: a JSON document the test explores field by field
    parsed: () => written.map((line) => JSON.parse(line) as Record<string, any>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with the app, an ISO time and the bound context', () => {
    const out = lines();
    const logger = createLogger({ app: 'worker', destination: out.destination });
    logger.child({ machine: 'press-07', etl: 'energy' }).info({ rows: 3 }, 'loaded');
    expect(out.parsed()).toEqual([
      expect.objectContaining({
        level: 30,
        app: 'worker',
        machine: 'press-07',
        etl: 'energy',
        rows: 3,
        msg: 'loaded',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      }),
    ]);
  });

  it('redacts passwords, authorization headers, cookies and raw database URLs', () => {
    const out = lines();
    const logger = createLogger({ app: 'api', destination: out.destination });
    logger.info(
      {
        password: 'pw-top-level',
        admin: { user: 'ops', password: 'pw-nested' },
        authorization: 'Bearer token-top-level',
        req: { method: 'GET', headers: { authorization: 'Basic b3BzOnNlY3JldA==', cookie: 'sid=cookie-1' } },
        headers: { authorization: 'Bearer token-headers', cookie: 'sid=cookie-2' },
        rawDatabaseUrl: 'postgres://reader:raw-top@db/press07',
        machine: { id: 'press-07', rawDatabaseUrl: 'postgres://reader:raw-nested@db/press07' },
        connectionString: 'postgres://agg:conn-top@db/agg',
        ADMIN_PASSWORD: 'pw-env',
      },
      'request',
    );
    const [line] = out.written;
    for (const secret of ['pw-', 'token-', 'b3BzOnNlY3JldA', 'cookie-', 'raw-', 'conn-top']) {
      expect(line).not.toContain(secret);
    }
    expect(out.parsed()[0]).toMatchObject({
      password: '[redacted]',
      admin: { user: 'ops', password: '[redacted]' },
      authorization: '[redacted]',
      req: { method: 'GET', headers: { authorization: '[redacted]', cookie: '[redacted]' } },
      headers: { authorization: '[redacted]', cookie: '[redacted]' },
      rawDatabaseUrl: '[redacted]',
      machine: { id: 'press-07', rawDatabaseUrl: '[redacted]' },
      connectionString: '[redacted]',
      ADMIN_PASSWORD: '[redacted]',
    });
  });

  it('redacts in child loggers too, and leaves the logged object untouched', () => {
    const out = lines();
    const machine = { id: 'mazak01', rawDatabaseUrl: 'postgres://reader:raw-child@db/mazak01' };
    createLogger({ app: 'scheduler', destination: out.destination }).child({ machine }).warn('late');
    expect(out.written[0]).not.toContain('raw-child');
    expect(machine.rawDatabaseUrl).toBe('postgres://reader:raw-child@db/mazak01');
  });

  it('drops lines below its level', () => {
    const out = lines();
    const logger = createLogger({ app: 'api', level: 'warn', destination: out.destination });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.parsed().map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('redactUrl', () => {
  it.each([
    ['postgres://reader:S3cret@db:5432/press07', 'postgres://reader:***@db:5432/press07'],
    ['postgresql://agg:S3cret@db/agg?sslmode=require', 'postgresql://agg:***@db/agg?sslmode=require'],
    ['redis://:S3cret@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['rediss://default:S3cret@cache.example:6380', 'rediss://default:***@cache.example:6380'],
    // An unencoded `@` in the password: URL parsers take the last `@` of the authority.
    ['postgres://reader:S3c@ret@db/press07', 'postgres://reader:***@db/press07'],
    [
      'postgres://reader:S3cret@db/press07?application_name=etl@host',
      'postgres://reader:***@db/press07?application_name=etl@host',
    ],
    // A `/` in the password makes the URL invalid, yet it must not leak from an error message.
    ['postgres://reader:S3/cret@db/press07', 'postgres://reader:***@db/press07'],
  ])('hides the password of %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it.each([
    'postgres://reader@db:5432/press07',
    'postgres://db:5432/press07',
    'redis://127.0.0.1:6379',
    'pglite:./.data/agg',
    'pglite:memory',
  ])('leaves %s as it is (no password)', (url) => {
    expect(redactUrl(url)).toBe(url);
  });
});
