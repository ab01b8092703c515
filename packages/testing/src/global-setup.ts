import { createDb, createRawSchema, migrateToLatest } from '@mm/db';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { isLeftover, newRunId, runDatabaseName } from './run-databases.ts';
import { canConnect } from './services.ts';

/**
 * Vitest global setup: finds PostgreSQL and Redis (env URLs, else the local services on 127.0.0.1,
 * else testcontainers when a Docker engine is reachable, else fails loudly), builds template
 * databases (migrated aggregation schema; raw logger schema) that each test file clones, and
 * `provide`s the URLs to the tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<unknown>> = [];
  const pgUrl = await findPostgres(stops);
  const redisUrl = await findRedis(stops);

  const runId = newRunId();
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await dropLeftoverDatabases(admin);
  const aggTemplate = runDatabaseName(runId, 'tpl_agg');
  const rawTemplate = runDatabaseName(runId, 'tpl_raw');
  for (const name of [aggTemplate, rawTemplate]) await admin.query(`create database ${name}`);

  const agg = createDb(withDatabase(pgUrl, aggTemplate), { max: 1 });
  await migrateToLatest(agg);
  await agg.destroy();
  const raw = createDb(withDatabase(pgUrl, rawTemplate), { max: 1 });
  await createRawSchema(raw);
  await raw.destroy();

  project.provide('pgUrl', pgUrl);
  project.provide('redisUrl', redisUrl);
  project.provide('aggTemplate', aggTemplate);
  project.provide('rawTemplate', rawTemplate);
  project.provide('runId', runId);

  return async () => {
    // Ours only: every database whose name carries this run's id.
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where starts_with(datname, $1)`,
      [runDatabaseName(runId, '')],
    );
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
    for (const stop of stops) await stop();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Drops the databases test runs left behind when they crashed: those older than
 * six hours (`LEFTOVER_AGE_MS`) by the creation time in their names. Never one that may belong to a run in
 * progress, on this host or another sharing the server; returns the names dropped.
 *
 * @example
 * await dropLeftoverDatabases(admin); // ['mmtest_mx1a2b3c_9f3a1e_tpl_agg', …]
 */
export async function dropLeftoverDatabases(admin: pg.Client, now: number = Date.now()): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like 'mmtest\\_%' or datname like 'mm\\_t%'`,
  );
  const dropped: string[] = [];
  for (const { datname } of rows) {
    if (!isLeftover(datname, now)) continue;
    await admin.query(`drop database if exists "${datname}" with (force)`).then(
      () => dropped.push(datname),
      () => {}, // another run dropped it first, or someone still uses it: next time
    );
  }
  return dropped;
}

async function findPostgres(stops: Array<() => Promise<unknown>>): Promise<string> {
  const fromEnv = process.env.TEST_DATABASE_URL?.trim();
  if (fromEnv) return fromEnv;
  if (await canConnect('127.0.0.1', 5432)) return 'postgres://postgres@127.0.0.1:5432/postgres';
  const container = await startContainer(
    'postgres:15',
    5432,
    { POSTGRES_HOST_AUTH_METHOD: 'trust' },
    'PostgreSQL',
  );
  stops.push(() => container.stop());
  return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
}

async function findRedis(stops: Array<() => Promise<unknown>>): Promise<string> {
  const fromEnv = process.env.TEST_REDIS_URL?.trim();
  const url = fromEnv || ((await canConnect('127.0.0.1', 6379)) ? 'redis://127.0.0.1:6379' : null);
  if (url) {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      throw new Error(`Redis at ${url} does not answer`, { cause: error });
    } finally {
      redis.disconnect();
    }
    return url;
  }
  const container = await startContainer('redis:7', 6379, {}, 'Redis');
  stops.push(() => container.stop());
  return `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
}

async function startContainer(image: string, port: number, env: Record<string, string>, what: string) {
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    return await new GenericContainer(image)
      .withEnvironment(env)
      .withExposedPorts(port)
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
  } catch (error) {
    throw new Error(
      `No ${what} for the tests: set TEST_${what === 'Redis' ? 'REDIS' : 'DATABASE'}_URL, start it on 127.0.0.1, or run a Docker engine for testcontainers (${(error as Error).message})`,
    );
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    redisUrl: string;
    aggTemplate: string;
    rawTemplate: string;
    runId: string;
  }
}
