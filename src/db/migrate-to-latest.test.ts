import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  createScratchPostgresDatabase,
  openTestDatabase,
  testDatabaseKinds,
} from '../../test/support/test-database.ts';
import { createMigrationProvider } from './migration-provider.ts';
import { createDatabase, dumpSchema, migrateToLatest } from './index.ts';

/** Every migration file's name, in order: adding a migration needs no edit here. */
const ALL_MIGRATIONS = Object.keys(await createMigrationProvider().getMigrations());

const onPostgres = testDatabaseKinds.includes('postgres');

describe('the migrations', () => {
  it('produce the schema recorded in the snapshot (review its diff with every migration)', async () => {
    const database = await openTestDatabase('pglite');
    try {
      await expect(`${await dumpSchema(database.db)}\n`).toMatchFileSnapshot('./__snapshots__/schema.txt');
    } finally {
      await database.close();
    }
  });

  it.runIf(onPostgres)('produce the same schema on PGlite and PostgreSQL', async () => {
    const [lite, postgres] = await Promise.all([openTestDatabase('pglite'), openTestDatabase('postgres')]);
    try {
      expect(await dumpSchema(postgres.db)).toBe(await dumpSchema(lite.db));
    } finally {
      await Promise.all([lite.close(), postgres.close()]);
    }
  });

  it.runIf(onPostgres)('run once when several pools migrate one PostgreSQL database at the same time', async () => {
    const scratch = await createScratchPostgresDatabase();
    const handles = await Promise.all([1, 2, 3].map(() => createDatabase({ url: scratch.url, poolSize: 2 })));
    try {
      const applied = await Promise.all(handles.map((handle) => migrateToLatest(handle.db)));
      // One pool applied everything while holding the advisory lock; the others found nothing left to do.
      expect(applied.flat()).toEqual(ALL_MIGRATIONS);
      const count = sql<{ n: number }>`select count(*)::int as n from kysely_migration`;
      const { rows } = await count.execute(handles[0]!.db);
      expect(rows[0]!.n).toBe(ALL_MIGRATIONS.length);
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
      await scratch.drop();
    }
  });
});
