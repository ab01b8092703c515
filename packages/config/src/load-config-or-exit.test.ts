import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { EX_CONFIG, formatConfigError, loadConfigOrExit } from './load-config-or-exit.ts';

const machinesJson = JSON.stringify({
  machines: [
    { id: 'press-07', name: 'Press 07', rawDatabaseUrl: 'postgres://reader@db/press07', profile: 'logger' },
  ],
});

describe('formatConfigError', () => {
  it('names the app and lists every problem, one per line, with no stack trace', () => {
    const error = new ConfigError([
      { path: 'PORT', message: 'must be a port number' },
      { path: 'machines.json.machines[1].timezone', message: "unknown IANA time zone 'Europe/Madird'" },
    ]);
    expect(formatConfigError(error, 'api')).toBe(
      [
        'api: refusing to start. Invalid configuration (2 problems):',
        '  - PORT: must be a port number',
        "  - machines.json.machines[1].timezone: unknown IANA time zone 'Europe/Madird'",
        '',
      ].join('\n'),
    );
  });

  it('says "problem" for a single one', () => {
    const error = new ConfigError([{ path: 'LOG_LEVEL', message: 'must be one of …' }]);
    expect(formatConfigError(error, 'worker')).toBe(
      'worker: refusing to start. Invalid configuration (1 problem):\n  - LOG_LEVEL: must be one of …\n',
    );
  });
});

describe('loadConfigOrExit', () => {
  it('returns the configuration when it is valid', () => {
    const config = loadConfigOrExit(
      { LOG_LEVEL: 'debug' },
      { app: 'etl', readFile: () => machinesJson, cwd: '/' },
    );
    expect(config.logLevel).toBe('debug');
    expect(config.machines.map((m) => m.id)).toEqual(['press-07']);
  });

  it('rethrows an error that is not a ConfigError (a bug, not a configuration mistake)', () => {
    const broken = new Proxy(
      {},
      {
        get() {
          throw new TypeError('environment unreadable');
        },
      },
    );
    expect(() => loadConfigOrExit(broken, { app: 'etl', readFile: () => machinesJson, cwd: '/' })).toThrow(
      'environment unreadable',
    );
  });

  it('uses the EX_CONFIG exit status of sysexits.h', () => {
    expect(EX_CONFIG).toBe(78);
  });
});
