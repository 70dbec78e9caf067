import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { AppError } from '../core/index.ts';
import { createMigrationProvider } from './migration-provider.ts';

/**
 * Applies every pending migration, each in its own transaction, and resolves with the names applied (empty when
 * the schema was current). Safe to run from several processes at once: on PostgreSQL Kysely's migrator holds a
 * session advisory lock for the whole run, so one process migrates and the others then find nothing to do; PGlite
 * admits one process and Kysely serialises its single connection, so there is nothing to race.
 *
 * @example
 * const { db } = await createDatabase(config);
 * const applied = await migrateToLatest(db); // ['2026-11-24T0001-directory']
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, provider = createMigrationProvider()): Promise<string[]> {
  const { error, results = [] } = await new Migrator({ db, provider }).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    throw new AppError(
      'db.migration_failed',
      failed === undefined
        ? `Database migrations could not run: ${describe(error)}`
        : `Database migration ${failed} failed and was rolled back: ${describe(error)}`,
      { status: 500, expose: true, cause: error, details: { migration: failed } },
    );
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
