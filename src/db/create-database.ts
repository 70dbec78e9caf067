import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database-schema.ts';
import { acquireDirectoryLock, type DirectoryLock } from './pglite-lock.ts';
import { translatePostgresError } from './postgres-errors.ts';

/**
 * Where the database is:
 * - `{ url }`: PostgreSQL;
 * - `{ dataDir, databaseUrl? }` (a `Config` fits): PostgreSQL when `databaseUrl` is set, else embedded PGlite
 *   in `dataDir/pglite`;
 * - `{ memory: true, from? }`: embedded PGlite in memory, for tests and dry runs; `from` starts it from a dump
 *   (`pglite.dumpDataDir()`), which is several times faster than initialising a new cluster.
 */
export type DatabaseSource =
  | { url: string; poolSize?: number }
  | { dataDir: string; databaseUrl?: string | undefined }
  | { memory: true; from?: Blob };

interface HandleBase {
  db: Kysely<Database>;
  /** Closes the database (ends the pool, or closes PGlite and frees its directory). Stop jobs first. Idempotent. */
  close(): Promise<void>;
}

/** The embedded database. `pglite` is shared with pg-boss (see `src/jobs`); nothing else should use it directly. */
export interface PgliteHandle extends HandleBase {
  kind: 'pglite';
  pglite: PGlite;
  /** The data directory, or undefined in memory. */
  dir: string | undefined;
}

export interface PostgresHandle extends HandleBase {
  kind: 'postgres';
  /** The connection URL, which pg-boss connects with too. */
  url: string;
  pool: pg.Pool;
}

export type DatabaseHandle = PgliteHandle | PostgresHandle;

export interface CreateDatabaseOptions {
  /** Receives errors of idle pooled connections (a restarted server, a dropped network), which are otherwise fatal. */
  onPoolError?: (error: Error) => void;
}

/** The PGlite data directory inside DATA_DIR. */
export const PGLITE_DIR = 'pglite';

/**
 * Opens Kysely over PostgreSQL (`pg` pool) or embedded PGlite and checks it answers, so a wrong URL or a locked
 * data directory fails at start with an AppError (`db.unavailable`, `db.locked`). Does not migrate: call
 * {@link migrateToLatest} next.
 *
 * On PGlite there is one connection. Kysely serialises its own use of it, and a Kysely transaction holds PGlite's
 * exclusive transaction lock, so statements from anything else (pg-boss) wait until it ends rather than running
 * inside it. The corollary: never await pg-boss (or `db` instead of `trx`) inside a transaction on PGlite; pass
 * the transaction (`jobs.send(queue, data, { transaction: trx })`).
 *
 * @example
 * const database = await createDatabase(loadConfig());   // or { memory: true } / { url } / { dataDir }
 * await migrateToLatest(database.db);
 * …
 * await database.close();
 */
export async function createDatabase(
  source: DatabaseSource,
  options: CreateDatabaseOptions = {},
): Promise<DatabaseHandle> {
  if ('url' in source) return openPostgres(source.url, source.poolSize, options);
  if ('databaseUrl' in source && source.databaseUrl !== undefined) {
    return openPostgres(source.databaseUrl, undefined, options);
  }
  if ('dataDir' in source) return openPglite(join(source.dataDir, PGLITE_DIR));
  return openPglite(undefined, source.from);
}

/**
 * bigint (int8) columns and `count(*)` read as JS numbers on both drivers (pg gives strings, PGlite its own choice by
 * default). Every int8 the application stores is below 2^53 or an order value where the rounding is harmless.
 */
const INT8_OID = 20;
function postgresTypeParser(oid: number): (value: string) => unknown {
  if (oid === INT8_OID) return Number;
  // @types/pg types the stock parsers' results as any; they are what pg would have used anyway (text format only:
  // Kysely never asks for binary).
  return pg.types.getTypeParser(oid, 'text') as (value: string) => unknown;
}

async function openPostgres(url: string, poolSize = 10, options: CreateDatabaseOptions): Promise<PostgresHandle> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: { getTypeParser: postgresTypeParser as typeof pg.types.getTypeParser } });
  pool.on('error', options.onPoolError ?? (() => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await ping(db, async () => db.destroy());
  return { kind: 'postgres', db, url, pool, close: once(() => db.destroy()) };
}

/**
 * PostgreSQL settings of the embedded database. `shared_buffers` 32MB instead of 128MB: the buffer pool lives in
 * PGlite's WebAssembly memory, which never shrinks, so every page it ever caches stays in the process's resident
 * memory; the data directory's files are in the OS page cache anyway, which costs the process nothing (measured at
 * 30,000 people: resident memory after apply 677 → 557 MiB, apply time unchanged). `fsync` is already off in PGlite,
 * so `synchronous_commit` changes nothing here; WAL settings (`wal_level=minimal`, `full_page_writes=off`) gained
 * nothing measurable and are left as they are.
 */
const PGLITE_SETTINGS = ['-c', 'shared_buffers=32MB'];

async function openPglite(dir: string | undefined, from?: Blob): Promise<PgliteHandle> {
  let lock: DirectoryLock | undefined;
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    lock = acquireDirectoryLock(`${dir}.lock`);
  }
  if (dir !== undefined && !existsSync(join(dir, 'PG_VERSION'))) await initClusterInChild(dir);
  let pglite: PGlite;
  try {
    pglite = new PGlite(dir, {
      parsers: { [INT8_OID]: Number },
      startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
      ...(from ? { loadDataDir: from } : {}),
    });
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw translatePostgresError(error);
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  const close = once(async () => {
    try {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    } finally {
      lock?.release();
    }
  });
  await ping(db, close);
  return { kind: 'pglite', db, pglite, dir, close };
}

/**
 * Creates a new PGlite cluster in `dir` in a short-lived child process. PGlite's initdb runs two more PostgreSQL
 * instances beside the one it will serve, which takes this process's resident memory to ~1 GiB for a moment
 * (measured: 1050 MiB peak for a fresh directory, 370 MiB to open an existing one); a high-water mark like that would
 * be the server's for its whole life, and an out-of-memory kill on a small host at first start. A child that fails
 * for any reason leaves the directory without `PG_VERSION`, and PGlite then runs initdb here as before.
 */
async function initClusterInChild(dir: string): Promise<void> {
  const script = `const { PGlite } = await import(process.argv[1]); const pg = new PGlite(process.argv[2]); await pg.waitReady; await pg.close();`;
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, import.meta.resolve('@electric-sql/pglite'), dir], {
      stdio: 'ignore',
    });
    child.once('error', () => resolve());
    child.once('exit', () => resolve());
  });
}

async function ping(db: Kysely<Database>, close: () => Promise<void>): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await close().catch(() => {});
    throw translatePostgresError(error);
  }
}

function once(run: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= run());
}
