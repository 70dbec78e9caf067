/**
 * Fresh databases for tests, of every kind available here (STYLE.md §11: the same suite over PGlite and
 * PostgreSQL): embedded PGlite in memory always, and PostgreSQL when `TEST_DATABASE_URL` points at a server whose
 * role may create databases. Each PostgreSQL test database is created for the caller (`dingbridge_test_<random>`)
 * and dropped on close, so test files running in parallel never share one.
 *
 * @example
 * describeEachDatabase('accounts repository', ({ database }) => {
 *   it('stores an account', async () => {
 *     await database().db.insertInto('accounts').values(…).execute();
 *   });
 * });
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createDatabase, migrateToLatest, type Database, type DatabaseHandle } from '../../src/db/index.ts';

export type TestDatabaseKind = 'pglite' | 'postgres';

/** The kinds this run can test against: `pglite`, plus `postgres` when TEST_DATABASE_URL is set. */
export const testDatabaseKinds: readonly TestDatabaseKind[] = process.env.TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

export interface TestDatabase {
  kind: TestDatabaseKind;
  handle: DatabaseHandle;
  db: Kysely<Database>;
  /** The PostgreSQL URL of this database (for a second pool, or pg-boss); undefined on PGlite. */
  url: string | undefined;
  /** Closes the handle and, on PostgreSQL, drops the database. */
  close(): Promise<void>;
}

/** An empty PostgreSQL database of its own, for tests that open their own connections to it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database on the TEST_DATABASE_URL server and returns its URL.
 *
 * @example
 * const scratch = await createScratchPostgresDatabase();
 * const a = await createDatabase({ url: scratch.url }); …; await a.close(); await scratch.drop();
 */
export async function createScratchPostgresDatabase(): Promise<ScratchDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set; PostgreSQL tests cannot run.');
  const name = `dingbridge_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE ends sessions a failed test left open (PostgreSQL 13+).
    drop: async () => {
      await withAdmin(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/**
 * A fresh database of `kind`, migrated unless `migrate: false`.
 *
 * @example
 * const database = await openTestDatabase('pglite');
 * try { … } finally { await database.close(); }
 */
export async function openTestDatabase(
  kind: TestDatabaseKind,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  const scratch = kind === 'postgres' ? await createScratchPostgresDatabase() : undefined;
  let handle: DatabaseHandle;
  try {
    handle = await createDatabase(
      scratch
        ? { url: scratch.url, poolSize: 5 }
        : { memory: true, ...(migrate ? { from: await migratedPgliteTemplate() } : {}) },
    );
  } catch (error) {
    await scratch?.drop();
    throw error;
  }
  const close = async (): Promise<void> => {
    try {
      await handle.close();
    } finally {
      await scratch?.drop();
    }
  };
  if (migrate) {
    try {
      await migrateToLatest(handle.db);
    } catch (error) {
      await close();
      throw error;
    }
  }
  return { kind, handle, db: handle.db, url: scratch?.url, close };
}

export interface EachDatabaseContext {
  kind: TestDatabaseKind;
  /** The database of the current block; valid inside tests and hooks, opened before the first test. */
  database: () => TestDatabase;
}

/**
 * Runs `body` once per available kind, as `describe('<name> (<kind>)')`, with a fresh migrated database opened
 * before its tests and closed after them. Tests inside one block share that database.
 */
export function describeEachDatabase(
  name: string,
  body: (context: EachDatabaseContext) => void,
  options: { migrate?: boolean } = {},
): void {
  for (const kind of testDatabaseKinds) {
    describe(`${name} (${kind})`, () => {
      let current: TestDatabase | undefined;
      beforeAll(async () => {
        current = await openTestDatabase(kind, options);
      });
      afterAll(async () => {
        await current?.close();
      });
      body({
        kind,
        database: () => {
          if (!current) throw new Error('The test database is opened in beforeAll; use it inside tests and hooks.');
          return current;
        },
      });
    });
  }
}

let template: Promise<Blob> | undefined;

/**
 * A dump of a freshly migrated PGlite. Loading one takes about a fifth of the time of initialising a new cluster
 * (measured here: ~0.27 s against ~1.3 s), and test files run in separate processes, so the dump is cached in the
 * temp directory under a fingerprint of the migrations and the PGlite version: the first file after a change
 * makes it, every later one loads it.
 */
function migratedPgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const path = join(tmpdir(), `dingbridge-pglite-template-${await templateFingerprint()}.tar`);
    try {
      return new Blob([await readFile(path)]);
    } catch {
      // not made yet
    }
    const handle = await createDatabase({ memory: true });
    let dump: Blob;
    try {
      await migrateToLatest(handle.db);
      if (handle.kind !== 'pglite') throw new Error('expected PGlite');
      dump = await handle.pglite.dumpDataDir('none');
    } finally {
      await handle.close();
    }
    // Written aside and renamed, so a file running in parallel never reads half a dump.
    const partial = `${path}.${process.pid}.partial`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, path);
    return dump;
  })();
  return template;
}

async function templateFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const pglite = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);
  hash.update(await readFile(pglite).catch(() => randomBytes(16)));
  const migrations = new URL('../../src/db/migrations/', import.meta.url);
  for (const file of (await readdir(migrations)).sort()) {
    hash.update(file).update(await readFile(new URL(file, migrations)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function withAdmin<T>(adminUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
