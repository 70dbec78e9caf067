export {
  createDatabase,
  PGLITE_DIR,
  type CreateDatabaseOptions,
  type DatabaseHandle,
  type DatabaseSource,
  type PgliteHandle,
  type PostgresHandle,
} from './create-database.ts';
export { migrateToLatest } from './migrate-to-latest.ts';
export { createMigrationProvider, MIGRATION_FILE_NAME } from './migration-provider.ts';
export { dumpSchema } from './schema-dump.ts';
export { translatePostgresError, isRetryableDatabaseError } from './postgres-errors.ts';
export { acquireDirectoryLock, type DirectoryLock } from './pglite-lock.ts';
export * from './database-schema.ts';
