import { NIST_MAZAK01_DIR, shdrFolder } from '@mm/raw';
import { describe, expect, it } from 'vitest';
import { DemoSettingsError, demoSettingsFromEnv } from './demo-settings.ts';

describe('demoSettingsFromEnv', () => {
  it('defaults to embedded PGlite databases under ./.data/demo on port 8000', () => {
    const s = demoSettingsFromEnv({});
    expect(s).toMatchObject({
      dataDir: './.data/demo',
      aggDatabaseUrl: 'pglite:./.data/demo/agg',
      port: 8000,
      host: '127.0.0.1',
      days: 14,
      volume: 0.1,
      lastDay: null,
    });
    expect(s.rawDatabaseUrl('press-07')).toBe('pglite:./.data/demo/raw-press-07');
  });

  it('demos the real mazak01 from the logs shipped in the repository, whatever the working directory', () => {
    const s = demoSettingsFromEnv({});
    expect(s.nistDir).toBe(NIST_MAZAK01_DIR);
    const folder = shdrFolder(s.nistDir!);
    expect(folder.files).toHaveLength(16);
    expect(folder.devicesXml).toBeDefined();
  });

  it('takes PostgreSQL URLs: one raw database per machine from the {machine} template', () => {
    const s = demoSettingsFromEnv({
      AGG_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/mm_demo_agg',
      DEMO_RAW_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/mm_demo_{machine}',
      DEMO_DATA_DIR: '/var/tmp/demo/',
      PORT: '8080',
      HOST: ' ',
    });
    expect(s.aggDatabaseUrl).toBe('postgres://postgres@127.0.0.1:5432/mm_demo_agg');
    expect(s.rawDatabaseUrl('press-07')).toBe('postgres://postgres@127.0.0.1:5432/mm_demo_press_07');
    expect(s.port).toBe(8080);
    expect(s.host).toBe('127.0.0.1'); // blank counts as unset
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      demoSettingsFromEnv({
        PORT: '80000',
        DEMO_DAYS: '1.5',
        DEMO_VOLUME: '0',
        DEMO_LAST_DAY: '2024-02-30',
        NIST_DIR: '/nonexistent/nist',
        DEMO_RAW_DATABASE_URL: 'postgres://db/raw',
        AGG_DATABASE_URL: 'mysql://db/agg',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DemoSettingsError);
    expect((error as DemoSettingsError).problems).toEqual([
      'AGG_DATABASE_URL must be a postgres:// URL or pglite:<dir>',
      'DEMO_RAW_DATABASE_URL must contain {machine} (one raw database per machine)',
      "NIST_DIR: no such directory '/nonexistent/nist'",
      'DEMO_VOLUME must be a number in (0, 1]',
      'DEMO_LAST_DAY is not a valid date (2024-02 has 29 days)',
      'PORT must be a whole number from 1 to 65535',
      'DEMO_DAYS must be a whole number from 1 to 90',
    ]);
  });

  it('takes DEMO_LAST_DAY only within the supported dates, its first simulated day included', () => {
    expect(demoSettingsFromEnv({ DEMO_LAST_DAY: '2024-03-28' }).lastDay).toBe('2024-03-28');
    expect(() => demoSettingsFromEnv({ DEMO_LAST_DAY: '0000-01-01' })).toThrow(
      /DEMO_LAST_DAY is outside the supported dates 1970-01-01 to 2099-12-31/,
    );
    expect(() => demoSettingsFromEnv({ DEMO_LAST_DAY: '1970-01-05', DEMO_DAYS: '14' })).toThrow(
      /DEMO_LAST_DAY less DEMO_DAYS starts before 1970-01-01/,
    );
  });

  it('takes a demo machine to answer the original dashboards (DEMO_V1_MACHINE), and only a demo machine', () => {
    expect(demoSettingsFromEnv({}).v1Machine).toBeNull();
    expect(demoSettingsFromEnv({ DEMO_V1_MACHINE: 'mazak01' }).v1Machine).toBe('mazak01');
    expect(() => demoSettingsFromEnv({ DEMO_V1_MACHINE: 'mazak02' })).toThrow(
      /DEMO_V1_MACHINE must be one of the demo's machines \(press-07, mazak01\)/,
    );
  });
});
