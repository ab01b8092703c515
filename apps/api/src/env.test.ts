import { resolve } from 'node:path';
import { builtInProfiles, ConfigError, invocationDir, loadConfig, loadEnvConfig } from '@mm/config';
import { describe, expect, it } from 'vitest';
import { apiEnv } from './env.ts';

// The API's environment (./env.ts) through the shared loader: its variables, the machines file and
// DOMAIN §1's rules for it. The last block shows that the package command lines read only theirs.

// The example of DOMAIN §1, verbatim.
const domainExample = `{ "machines": [
  { "id": "press-07", "name": "Press 07", "rawDatabaseUrl": "postgres://reader@db:5432/press07",
    "timezone": "Europe/Madrid", "profile": "logger" },
  { "id": "mazak01", "name": "Mazak Integrex", "rawDatabaseUrl": "postgres://reader@db:5432/mazak01",
    "profile": "mtconnect", "signals": { "motors": [ { "variable": "Sload", "ratedKw": 11 } ] } }
] }`;

// Relative paths resolve against the directory the command was run in: here, always /site.
const SITE = '/site';

/** The API's configuration, loaded as if the command had been run in {@link SITE}. */
function load(env: Record<string, string | undefined>, readFile: (path: string) => string) {
  return loadEnvConfig(env, apiEnv, { readFile, cwd: SITE });
}

/** A file source holding exactly these files (relative to /site); any other path fails like a missing file. */
function files(contents: Record<string, string>): (path: string) => string {
  const byPath = Object.fromEntries(
    Object.entries(contents).map(([path, text]) => [resolve(SITE, path), text]),
  );
  return (path) => {
    const text = byPath[path];
    if (text === undefined) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    }
    return text;
  };
}

const exampleFile = files({ 'machines.json': domainExample });

function machinesFile(machines: unknown[], extra: Record<string, unknown> = {}) {
  return files({ 'machines.json': JSON.stringify({ ...extra, machines }) });
}

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const machine = (fields: Record<string, unknown> = {}) => ({
  id: 'press-07',
  name: 'Press 07',
  rawDatabaseUrl: 'postgres://reader@db:5432/press07',
  profile: 'logger',
  ...fields,
});

describe('loadConfig: environment', () => {
  it('defaults to the embedded single-laptop setup', () => {
    const config = load({}, exampleFile);
    expect(config).toMatchObject({
      aggDatabaseUrl: 'pglite:/site/.data/agg',
      redisUrl: null, // the API checks Redis only when it is configured with it
      port: 8000,
      host: '0.0.0.0',
      corsOrigins: ['http://localhost:3000'],
      admin: null,
      logLevel: 'info',
      machinesFile: '/site/machines.json',
      answerCacheBytes: 64 * 2 ** 20,
    });
  });

  it('treats empty variables as unset', () => {
    const config = load({ PORT: '', LOG_LEVEL: '', ADMIN_USER: '', ADMIN_PASSWORD: '' }, exampleFile);
    expect(config).toMatchObject({ port: 8000, logLevel: 'info', admin: null });
  });

  it('reads every variable', () => {
    const config = load(
      {
        AGG_DATABASE_URL: 'postgres://agg:agg-password@db:5432/agg',
        REDIS_URL: 'rediss://cache.internal:6380',
        MACHINES_FILE: ' /etc/mm/machines.json ',
        PORT: '8080',
        CORS_ORIGINS: 'https://plant.example, http://localhost:5173,',
        ADMIN_USER: 'ops',
        ADMIN_PASSWORD: 'correct horse battery',
        LOG_LEVEL: 'debug',
        API_CACHE_MB: '0',
      },
      files({ '/etc/mm/machines.json': domainExample }),
    );
    expect(config).toMatchObject({
      aggDatabaseUrl: 'postgres://agg:agg-password@db:5432/agg',
      redisUrl: 'rediss://cache.internal:6380',
      machinesFile: '/etc/mm/machines.json',
      port: 8080,
      corsOrigins: ['https://plant.example', 'http://localhost:5173'],
      admin: { user: 'ops', password: 'correct horse battery' },
      logLevel: 'debug',
      answerCacheBytes: 0,
    });
    expect(config.machines).toHaveLength(2);
  });

  it('refuses an answer cache size that is not a whole number of megabytes in range', () => {
    for (const [value, message] of [
      ['lots', 'must be a number of megabytes (0 turns the answer cache off)'],
      ['1.5', 'must be a whole number'],
      ['-1', 'must be between 0 and 65536'],
      ['100000', 'must be between 0 and 65536'],
    ]) {
      const error = configError(() => load({ API_CACHE_MB: value }, exampleFile));
      expect(error.problems, value).toEqual([{ path: 'API_CACHE_MB', message }]);
    }
    expect(load({ API_CACHE_MB: ' 512 ' }, exampleFile).answerCacheBytes).toBe(512 * 2 ** 20);
  });

  it('reports every problem in one error, by variable, without echoing any value', () => {
    const error = configError(() =>
      load(
        {
          PORT: 'eighty',
          AGG_DATABASE_URL: 'mysql://agg:Agg-S3cret-Pw@db/agg',
          REDIS_URL: 'http://:Redis-S3cret-Pw@cache:6379',
          ADMIN_USER: 'ops',
          LOG_LEVEL: 'chatty',
          CORS_ORIGINS: 'https://plant.example,plant.example/',
        },
        exampleFile,
      ),
    );
    expect(error.problems).toEqual([
      { path: 'AGG_DATABASE_URL', message: 'must be a postgres:// URL or pglite:<dir> / pglite:memory' },
      { path: 'LOG_LEVEL', message: 'must be one of fatal, error, warn, info, debug, trace, silent' },
      { path: 'PORT', message: 'must be a port number' },
      { path: 'CORS_ORIGINS[1]', message: 'each origin must look like http(s)://host[:port], or be *' },
      { path: 'REDIS_URL', message: 'must be a redis:// or rediss:// URL' },
      {
        path: 'ADMIN_PASSWORD',
        message:
          'ADMIN_USER and ADMIN_PASSWORD are set together (or neither, which disables the admin surface)',
      },
    ]);
    expect(error.message.split('\n')).toEqual([
      'Invalid configuration (6 problems):',
      ...error.problems.map((p) => `  - ${p.path}: ${p.message}`),
    ]);
    for (const value of ['eighty', 'S3cret', 'chatty', 'plant.example/'])
      expect(error.message).not.toContain(value);
  });

  it('rejects a short admin password and a port out of range together, without echoing the password', () => {
    const error = configError(() =>
      load({ ADMIN_USER: 'ops', ADMIN_PASSWORD: 'hunter2', PORT: '0' }, exampleFile),
    );
    expect(error.problems).toEqual([
      { path: 'PORT', message: 'must be between 1 and 65535' },
      { path: 'ADMIN_PASSWORD', message: 'must be at least 12 characters' },
    ]);
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a blank or guessable admin password, every problem listed, the password never echoed', () => {
    for (const [password, messages] of [
      ['              ', ['must not be blank']],
      ['Password2024!', ['is a common password (common words with digits or symbols around them)']],
      ['plant-ops-2024-q3', ['contains ADMIN_USER']],
      ['1111111111111111', ['uses too few different characters']],
      [
        'PlantOps1',
        [
          'must be at least 12 characters',
          'is a common password (common words with digits or symbols around them)',
          'contains ADMIN_USER',
        ],
      ],
    ] as const) {
      const error = configError(() =>
        load({ ADMIN_USER: 'plant-ops', ADMIN_PASSWORD: password, PORT: 'x' }, exampleFile),
      );
      expect(error.problems).toEqual([
        { path: 'PORT', message: 'must be a port number' },
        ...messages.map((message) => ({ path: 'ADMIN_PASSWORD', message })),
      ]);
      if (password.trim()) expect(error.message).not.toContain(password);
    }
  });

  it('names ADMIN_USER when only the password is set', () => {
    const error = configError(() => load({ ADMIN_PASSWORD: 'long enough password' }, exampleFile));
    expect(error.problems.map((p) => p.path)).toEqual(['ADMIN_USER']);
    expect(error.message).not.toContain('long enough password');
  });

  it('reports environment and machines file problems in the same error', () => {
    const error = configError(() => load({ PORT: '99999', MACHINES_FILE: 'site.json' }, files({})));
    expect(error.problems.map((p) => p.path)).toEqual(['PORT', 'MACHINES_FILE']);
  });
});

describe('loadConfig: machines file', () => {
  it('reports a missing file with its absolute path and the system error code', () => {
    const error = configError(() => load({ MACHINES_FILE: 'conf/site.json' }, files({})));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.path).toBe('MACHINES_FILE');
    expect(error.problems[0]?.message).toMatch(/^cannot read '\/.*\/conf\/site\.json' \(ENOENT\)$/);
  });

  it('reports invalid JSON by line and column, without quoting the file', () => {
    const text =
      '{ "machines": [\n  { "id": "a", "rawDatabaseUrl": "postgres://reader:Raw-S3cret@db/a", }\n] }';
    const error = configError(() => load({}, files({ 'machines.json': text })));
    expect(error.problems).toEqual([
      {
        path: 'machines.json',
        message: 'is not valid JSON: Expected double-quoted property name (line 2, column 71)',
      },
    ]);
  });

  it('never quotes the text around a JSON syntax error (it may hold a password)', () => {
    const text = '{ "machines": [ { "rawDatabaseUrl": postgres://reader:Raw-S3cret@db/a } ] }';
    const error = configError(() => load({}, files({ 'machines.json': text })));
    expect(error.problems).toEqual([
      { path: 'machines.json', message: 'is not valid JSON: unexpected character' },
    ]);
    expect(error.message).not.toContain('S3cret');
    expect(error.message).not.toContain('postgres');
  });

  it('reads a file saved with a byte-order mark', () => {
    const config = load({}, files({ 'machines.json': `\uFEFF${domainExample}` }));
    expect(config.machines.map((m) => m.id)).toEqual(['press-07', 'mazak01']);
  });

  it('lists every problem of every machine at once, with paths into the file', () => {
    const error = configError(() =>
      load(
        { MACHINES_FILE: 'site.json' },
        files({
          'site.json': JSON.stringify({
            machines: [
              machine(),
              machine({ id: 'Press_08', timezone: 'Europe/Madird' }),
              machine({ id: 'press-07', profile: 'fanuc' }),
              machine({
                id: 'mill-1',
                rawDatabaseUrl: 'mysql://reader:Raw-S3cret@db/mill',
                signals: { motors: [{ variable: 'Sload' }], lights: [] },
              }),
              { id: 'mill-1', rawDatabaseUrl: 'postgres://reader@db/mill2', profile: 'toString' },
            ],
          }),
        }),
      ),
    );
    expect(error.problems).toEqual([
      {
        path: 'site.json.machines[1].id',
        message: 'must be a slug: lowercase letters, digits and single dashes',
      },
      { path: 'site.json.machines[1].timezone', message: "unknown IANA time zone 'Europe/Madird'" },
      {
        path: 'site.json.machines[3].rawDatabaseUrl',
        message: expect.stringContaining('must be a postgres://'),
      },
      { path: 'site.json.machines[3].signals.motors[0].ratedKw', message: expect.any(String) },
      { path: 'site.json.machines[3].signals', message: expect.stringContaining('lights') },
      { path: 'site.json.machines[4].name', message: expect.any(String) },
      { path: 'site.json.machines[2].id', message: "duplicate machine id 'press-07'" },
      {
        path: 'site.json.machines[2].profile',
        message: "unknown profile 'fanuc' (known: logger, mtconnect)",
      },
      { path: 'site.json.machines[4].id', message: "duplicate machine id 'mill-1'" },
      {
        path: 'site.json.machines[4].profile',
        message: "unknown profile 'toString' (known: logger, mtconnect)",
      },
    ]);
    expect(error.message).not.toContain('S3cret');
  });

  it('uses the path of the default file, machines.json, in its problems', () => {
    const error = configError(() => load({}, machinesFile([machine({ timezone: 'Mars/Olympus' })])));
    expect(error.problems.map((p) => p.path)).toEqual(['machines.json.machines[0].timezone']);
  });

  it('requires at least one machine', () => {
    const error = configError(() => load({}, machinesFile([])));
    expect(error.problems).toEqual([
      { path: 'machines.json.machines', message: 'configure at least one machine' },
    ]);
  });

  it('reports a file of the wrong shape without crashing', () => {
    for (const text of ['[]', 'null', '{"machines": {}}', '{"machines": [42, null]}']) {
      const error = configError(() => load({}, files({ 'machines.json': text })));
      expect(error.problems.length, text).toBeGreaterThan(0);
      for (const problem of error.problems) expect(problem.path, text).toMatch(/^machines\.json/);
    }
  });
});

describe('loadConfig: profiles', () => {
  it('resolves the DOMAIN §1 example', () => {
    const [press, mazak] = load({}, exampleFile).machines;
    expect(press).toEqual({
      id: 'press-07',
      name: 'Press 07',
      rawDatabaseUrl: 'postgres://reader@db:5432/press07',
      timezone: 'Europe/Madrid',
      profileName: 'logger',
      profile: builtInProfiles.logger,
    });
    expect(mazak).toMatchObject({ id: 'mazak01', timezone: 'UTC', profileName: 'mtconnect' });
    // `signals.motors` replaces the profile's motors and leaves every other role as the profile has it.
    expect(mazak?.profile).toEqual({
      ...builtInProfiles.mtconnect,
      motors: [{ variable: 'Sload', ratedKw: 11 }],
    });
    expect(mazak?.profile.state).toEqual({
      method: 'state',
      variable: 'execution',
      runningValues: ['ACTIVE'],
    });
  });

  it('refuses a site profile that would silently replace a built-in one', () => {
    const error = configError(() =>
      load({}, machinesFile([machine()], { profiles: { logger: { motors: [] } } })),
    );
    expect(error.problems).toEqual([
      expect.objectContaining({
        path: 'machines.json.profiles.logger',
        message: expect.stringMatching(/built-in profile/),
      }),
    ]);
  });

  it('stores a time zone in its canonical spelling', () => {
    const [press] = load({}, machinesFile([machine({ timezone: 'europe/madrid' })])).machines;
    expect(press?.timezone).toBe('Europe/Madrid');
  });

  it('switches a role off with a null override and replaces a role wholesale', () => {
    const [press] = load(
      {},
      machinesFile([
        machine({ signals: { alarms: null, temperature: [{ variable: 'OIL_TEMP', scale: 0.1 }] } }),
      ]),
    ).machines;
    expect(press?.profile).toEqual({
      ...builtInProfiles.logger,
      alarms: null,
      temperature: [{ variable: 'OIL_TEMP', scale: 0.1, zeroIsMissing: true }],
    });
  });

  it('accepts a site-defined profile from `profiles`, with the schema defaults filled in', () => {
    const [hydraulic] = load(
      {},
      machinesFile([machine({ id: 'hydraulic-2', profile: 'press-line' })], {
        profiles: {
          'press-line': {
            state: { method: 'gap' },
            temperature: [{ variable: 'OIL_TEMP', scale: 0.1, zeroIsMissing: false }],
            motors: [{ variable: 'PUMP_LOAD', ratedKw: 22 }],
          },
        },
      }),
    ).machines;
    expect(hydraulic?.profileName).toBe('press-line');
    expect(hydraulic?.profile).toEqual({
      state: { method: 'gap', gapSeconds: 600 },
      program: null,
      temperature: [{ variable: 'OIL_TEMP', scale: 0.1, zeroIsMissing: false }],
      alarms: null,
      motors: [{ variable: 'PUMP_LOAD', ratedKw: 22 }],
    });
  });

  it('takes the v1 compatibility opt-in per machine, off unless set, and only as a boolean', () => {
    const [plain, compat] = load(
      {},
      machinesFile([machine(), machine({ id: 'mazak01', profile: 'mtconnect', v1Compat: true })]),
    ).machines;
    expect(plain?.v1Compat).toBeUndefined();
    expect(compat?.v1Compat).toBe(true);
    const error = configError(() =>
      load({}, machinesFile([machine({ v1Compat: 'yes' }), machine({ id: 'b', v1compat: true })])),
    );
    expect(error.problems).toEqual([
      { path: 'machines.json.machines[0].v1Compat', message: expect.stringMatching(/boolean/) },
      { path: 'machines.json.machines[1]', message: "unknown key 'v1compat' (did you mean 'v1Compat'?)" },
    ]);
  });

  it('reports an invalid site profile once, not again as unknown on the machines using it', () => {
    const error = configError(() =>
      load(
        {},
        machinesFile([machine({ profile: 'press-line' })], {
          profiles: { 'press-line': { alarms: { format: 'json-snapshot' } } },
        }),
      ),
    );
    expect(error.problems).toEqual([
      {
        path: 'machines.json.profiles.press-line.alarms',
        message: 'name at least one variable or a datatype',
      },
    ]);
  });
});

describe('loadConfig: unknown keys in the machines file', () => {
  it('refuses a misspelt key, suggesting the known one, instead of running the machine in UTC', () => {
    const error = configError(() =>
      load(
        {},
        machinesFile([machine({ tiemzone: 'Europe/Madrid' }), machine({ id: 'press-08', Profile: 'x' })]),
      ),
    );
    expect(error.problems).toEqual([
      { path: 'machines.json.machines[0]', message: "unknown key 'tiemzone' (did you mean 'timezone'?)" },
      { path: 'machines.json.machines[1]', message: "unknown key 'Profile' (did you mean 'profile'?)" },
    ]);
  });

  it('refuses unknown keys at every level: the file, site profiles, roles and overrides', () => {
    const error = configError(() =>
      load(
        {},
        machinesFile(
          [
            machine({
              profile: 'press-line',
              signals: { motors: [{ variable: 'Sload', ratedKw: 11, ratedkW: 12 }] },
            }),
          ],
          {
            machine: [],
            profiles: {
              'press-line': {
                state: { method: 'gap', gapSecond: 300 },
                temperature: [{ variable: 'T', scale: 0.01, zeroIsMising: false }],
                alarms: { format: 'json-snapshot', variables: ['ALARMS'], colour: 'red' },
              },
            },
          },
        ),
      ),
    );
    expect(error.problems).toEqual([
      {
        path: 'machines.json.profiles.press-line.state',
        message: "unknown key 'gapSecond' (did you mean 'gapSeconds'?)",
      },
      {
        path: 'machines.json.profiles.press-line.temperature[0]',
        message: "unknown key 'zeroIsMising' (did you mean 'zeroIsMissing'?)",
      },
      {
        path: 'machines.json.profiles.press-line.alarms',
        message: "unknown key 'colour' (known: format, variables, datatype)",
      },
      {
        path: 'machines.json.machines[0].signals.motors[0]',
        message: "unknown key 'ratedkW' (did you mean 'ratedKw'?)",
      },
      { path: 'machines.json', message: "unknown key 'machine' (did you mean 'machines'?)" },
    ]);
  });

  it('says in words that a machine has no profile', () => {
    const { profile: _, ...noProfile } = machine();
    const error = configError(() => load({}, machinesFile([noProfile])));
    expect(error.problems).toEqual([
      {
        path: 'machines.json.machines[0].profile',
        message:
          "is missing: name the machine's signal profile ('logger', 'mtconnect' or one defined under 'profiles')",
      },
    ]);
  });
});

describe('loadConfig: relative paths', () => {
  it('resolves MACHINES_FILE, a pglite AGG_DATABASE_URL and pglite raw databases against the invocation directory', () => {
    const config = loadConfig(
      { MACHINES_FILE: 'conf/machines.json', AGG_DATABASE_URL: 'pglite:./.data/agg' },
      {
        app: 'etl',
        cwd: '/home/ana/plant',
        readFile: files({
          '/home/ana/plant/conf/machines.json': JSON.stringify({
            machines: [
              machine({ rawDatabaseUrl: 'pglite:.data/press07' }),
              machine({ id: 'press-08', rawDatabaseUrl: 'pglite:/srv/raw/press08' }),
              machine({ id: 'press-09', rawDatabaseUrl: 'pglite:memory' }),
              machine({ id: 'press-10', rawDatabaseUrl: 'postgres://reader@db/press10' }),
            ],
          }),
        }),
      },
    );
    expect(config.machinesFile).toBe('/home/ana/plant/conf/machines.json');
    expect(config.aggDatabaseUrl).toBe('pglite:/home/ana/plant/.data/agg');
    expect(config.machines.map((m) => m.rawDatabaseUrl)).toEqual([
      'pglite:/home/ana/plant/.data/press07',
      'pglite:/srv/raw/press08',
      'pglite:memory',
      'postgres://reader@db/press10',
    ]);
  });

  it('takes the invocation directory from INIT_CWD only when pnpm or npm runs the script', () => {
    const viaPnpm = { INIT_CWD: '/home/ana/plant', npm_lifecycle_event: 'start' };
    expect(invocationDir(viaPnpm, '/repo/apps/api')).toBe('/home/ana/plant');
    // A process started by hand that merely inherited INIT_CWD from some parent script.
    expect(invocationDir({ INIT_CWD: '/home/ana/plant' }, '/repo/apps/api')).toBe('/repo/apps/api');
    expect(invocationDir({}, '/repo')).toBe('/repo');
  });
});

describe('loadConfig: each app validates only what it uses', () => {
  const broken = {
    PORT: 'eighty',
    HOST: ' ',
    CORS_ORIGINS: 'nope',
    ADMIN_USER: 'ops',
    REDIS_URL: 'http://x',
  };

  it('the ETL CLI ignores the API and Redis variables', () => {
    const config = loadConfig(broken, { app: 'etl', cwd: SITE, readFile: exampleFile });
    expect(Object.keys(config).sort()).toEqual(['aggDatabaseUrl', 'logLevel', 'machines', 'machinesFile']);
  });

  it('db:migrate needs only AGG_DATABASE_URL (and LOG_LEVEL), not even the machines file', () => {
    const config = loadConfig(
      { ...broken, MACHINES_FILE: '/nonexistent.json', AGG_DATABASE_URL: 'postgres://agg@db/agg' },
      { app: 'db-migrate', cwd: SITE, readFile: files({}) },
    );
    expect(config).toEqual({ aggDatabaseUrl: 'postgres://agg@db/agg', logLevel: 'info' });
  });

  it('the API validates HOST with the rest', () => {
    const error = configError(() => load(broken, exampleFile));
    expect(error.problems.map((p) => p.path)).toEqual([
      'PORT',
      'HOST',
      'CORS_ORIGINS[0]',
      'REDIS_URL',
      'ADMIN_PASSWORD',
    ]);
    expect(load({ HOST: '127.0.0.1' }, exampleFile).host).toBe('127.0.0.1');
  });
});
