import { createDb, createRawSchema, migrateToLatest } from '@mm/db';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
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

  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await dropLeftovers(admin);
  const aggTemplate = `mm_tpl_agg_${runId}`;
  const rawTemplate = `mm_tpl_raw_${runId}`;
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
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like $1 or datname like $2`,
      [`mm_t_${runId}_%`, `mm_tpl_%_${runId}`],
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

// Databases of earlier runs whose process is gone (a crashed or killed run leaves them behind).
async function dropLeftovers(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname ~ '^mm_(t|tpl_agg|tpl_raw)_[0-9]+_'`,
  );
  for (const { datname } of rows) {
    const pid = Number(/^mm_(?:t|tpl_agg|tpl_raw)_(\d+)_/.exec(datname)?.[1]);
    if (isAlive(pid)) continue;
    await admin.query(`drop database if exists ${datname} with (force)`).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
