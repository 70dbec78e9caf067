import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { describeEachDatabase } from '../../test/support/test-database.ts';
import { createMigrationProvider } from './migration-provider.ts';
import { createDatabase, json, migrateToLatest, PGLITE_DIR, translatePostgresError } from './index.ts';

/** Every migration file's name, in order: adding a migration needs no edit here. */
const ALL_MIGRATIONS = Object.keys(await createMigrationProvider().getMigrations());

async function appErrorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const translated = translatePostgresError(error);
    if (isAppError(translated)) return translated;
    throw error;
  }
  throw new Error('expected the promise to reject');
}

describeEachDatabase('database', ({ database }) => {
  it('is migrated, and migrating again applies nothing', async () => {
    expect(await migrateToLatest(database().db)).toEqual([]);
  });

  it('round-trips the directory with jsonb and timestamps as values', async () => {
    const { db } = database();
    const unitId = randomUUID();
    const accountId = randomUUID();
    const bindingId = randomUUID();
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('units').values({ id: unitId, parent_id: null, name: '总部', binding_id: null }).execute();
      await trx
        .insertInto('bindings')
        .values({
          id: bindingId,
          name: 'Acme',
          corp_id: `ding${randomUUID()}`,
          app_key: 'key',
          app_secret_enc: 'v1.sealed',
          agent_id: null,
          api_base: null,
          target_unit_id: unitId,
          scope: json({ kind: 'all' }),
          thresholds: json({ maxDeletes: 10 }),
          leaver_policy: json({ graceDays: 30 }),
          mapping: json([{ target: 'email', source: 'org_email' }]),
          matching: json(['mobile', 'email']),
        })
        .execute();
      await trx
        .insertInto('accounts')
        .values({ id: accountId, username: 'zhang.san', display_name: '张三', attributes: json({ tags: ['a', 'b'] }) })
        .execute();
      await trx.insertInto('memberships').values({ account_id: accountId, unit_id: unitId, is_main: true }).execute();
    });

    const binding = await db.selectFrom('bindings').selectAll().where('id', '=', bindingId).executeTakeFirstOrThrow();
    expect(binding.matching).toEqual(['mobile', 'email']);
    expect(binding.settings).toEqual({});
    expect(binding.api_base).toBeNull();
    expect(binding.created_at).toBeInstanceOf(Date);
    const account = await db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
    expect(account).toMatchObject({ status: 'enabled', attributes: { tags: ['a', 'b'] }, disabled_at: null });
  });

  it('rolls a failed transaction back', async () => {
    const { db } = database();
    const id = randomUUID();
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('units').values({ id, parent_id: null, name: 'gone', binding_id: null }).execute();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.selectFrom('units').select('id').where('id', '=', id).execute()).toEqual([]);
  });

  it('reports a case-insensitive duplicate username as db.conflict naming the constraint', async () => {
    const { db } = database();
    const values = { username: `Li.Si-${randomUUID()}`, display_name: '李四' };
    await db.insertInto('accounts').values({ id: randomUUID(), ...values }).execute();
    const error = await appErrorOf(
      db
        .insertInto('accounts')
        .values({ id: randomUUID(), ...values, username: values.username.toLowerCase() })
        .execute(),
    );
    expect(error).toMatchObject({ code: 'db.conflict', status: 409 });
    expect(error.details).toMatchObject({ sqlstate: '23505', constraint: 'accounts_username_key', retryable: false });
  });

  it('keeps the directory consistent: references, one main membership, status with disabled_at', async () => {
    const { db } = database();
    const accountId = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    const units = [a, b].map((id) => ({ id, parent_id: null, name: id, binding_id: null }));
    await db.insertInto('units').values(units).execute();
    await db.insertInto('accounts').values({ id: accountId, username: accountId, display_name: 'x' }).execute();
    await db.insertInto('memberships').values({ account_id: accountId, unit_id: a, is_main: true }).execute();

    const secondMain = await appErrorOf(
      db.insertInto('memberships').values({ account_id: accountId, unit_id: b, is_main: true }).execute(),
    );
    expect(secondMain.details.constraint).toBe('memberships_one_main_key');
    const dangling = await appErrorOf(
      db.insertInto('memberships').values({ account_id: accountId, unit_id: randomUUID() }).execute(),
    );
    expect(dangling).toMatchObject({ code: 'db.reference', details: { constraint: 'memberships_unit_id_fkey' } });
    const unitInUse = await appErrorOf(db.deleteFrom('units').where('id', '=', a).execute());
    expect(unitInUse.code).toBe('db.reference');
    const halfDisabled = await appErrorOf(
      db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', accountId).execute(),
    );
    expect(halfDisabled).toMatchObject({ code: 'db.invalid', expose: false, details: { sqlstate: '23514' } });
    await db.deleteFrom('accounts').where('id', '=', accountId).execute();
    expect(await db.selectFrom('memberships').where('account_id', '=', accountId).selectAll().execute()).toEqual([]);
  });
});

describe('createDatabase on a data directory (PGlite)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-db-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps data under DATA_DIR/pglite across reopening, and admits one opener at a time', async () => {
    const first = await createDatabase({ dataDir });
    expect(first.kind).toBe('pglite');
    await migrateToLatest(first.db);
    const id = randomUUID();
    await first.db.insertInto('units').values({ id, parent_id: null, name: 'kept', binding_id: null }).execute();
    expect(existsSync(join(dataDir, PGLITE_DIR, 'PG_VERSION'))).toBe(true);
    // The cluster was created by a child process; this one runs with the smaller buffer pool.
    expect((await sql<{ shared_buffers: string }>`show shared_buffers`.execute(first.db)).rows).toEqual([{ shared_buffers: '32MB' }]);

    const second = await appErrorOf(createDatabase({ dataDir }));
    expect(second).toMatchObject({ code: 'db.locked', details: { pid: process.pid } });
    await first.close();
    await first.close(); // idempotent

    const reopened = await createDatabase({ dataDir, databaseUrl: undefined });
    try {
      expect(await reopened.db.selectFrom('units').select('name').where('id', '=', id).execute()).toEqual([
        { name: 'kept' },
      ]);
    } finally {
      await reopened.close();
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    // Pid 2^22 + 1 is above Linux's default pid_max, so no live process has it.
    writeFileSync(
      join(dataDir, `${PGLITE_DIR}.lock`),
      JSON.stringify({ pid: 4_194_305, host: (await import('node:os')).hostname(), since: 'earlier' }),
    );
    const database = await createDatabase({ dataDir });
    await database.close();
  });
});

describe('createDatabase on PostgreSQL', () => {
  it('fails fast with db.unavailable when nothing listens at the URL', async () => {
    const error = await appErrorOf(createDatabase({ url: 'postgres://postgres@127.0.0.1:1/none' }));
    expect(error).toMatchObject({ code: 'db.unavailable', status: 503, details: { retryable: true } });
  });
});

describe('migrations on PGlite', () => {
  it('serialise when started twice at once on one instance', async () => {
    const database = await createDatabase({ memory: true });
    try {
      const results = await Promise.all([migrateToLatest(database.db), migrateToLatest(database.db)]);
      expect(results.flat()).toEqual(ALL_MIGRATIONS);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(database.db);
      expect(rows[0]!.n).toBe(ALL_MIGRATIONS.length);
    } finally {
      await database.close();
    }
  });
});
