import { readdir } from 'node:fs/promises';
import type { Migration, MigrationProvider } from 'kysely/migration';

/** `2026-11-24T0001-directory.ts`: a date, a four-digit sequence within the day, a slug. Sorting names sorts time. */
export const MIGRATION_FILE_NAME = /^(\d{4}-\d{2}-\d{2}T\d{4}-[a-z0-9-]+)\.ts$/;

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/**
 * Kysely migrations from the files in `src/db/migrations/` (or another folder, for tests). Kysely's own
 * `FileMigrationProvider` would also pick up any other `.ts` file there; this one takes only timestamp-named
 * files and refuses one that does not export `up`, so a stray file fails loudly at start instead of silently.
 *
 * @example
 * new Migrator({ db, provider: createMigrationProvider() });
 */
export function createMigrationProvider(folder: URL = MIGRATIONS_DIR): MigrationProvider {
  return {
    async getMigrations() {
      const migrations: Record<string, Migration> = {};
      for (const file of (await readdir(folder)).sort()) {
        const name = MIGRATION_FILE_NAME.exec(file)?.[1];
        if (name === undefined) continue;
        const module = (await import(new URL(file, folder).href)) as Partial<Migration>;
        if (typeof module.up !== 'function') {
          throw new TypeError(`Migration ${file} does not export an \`up(db)\` function.`);
        }
        migrations[name] = { up: module.up, ...(module.down ? { down: module.down } : {}) };
      }
      return migrations;
    },
  };
}
