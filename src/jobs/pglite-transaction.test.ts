/**
 * PGlite has one connection. A Kysely transaction on it holds PGlite's exclusive transaction lock (Kysely's
 * PGliteDialect runs it inside `pglite.transaction()`), and pg-boss's statements go through `pglite.query`/`exec`,
 * which take the same lock. So a poll issued while a transaction is open must wait for it — not run inside it
 * (and be rolled back with it), and not deadlock.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { openTestDatabase, type TestDatabase } from '../../test/support/test-database.ts';
import { createJobs, type Jobs } from './index.ts';

/** Counts the statements that reached PGlite from outside any transaction and have not finished yet. */
function countStatementsInFlight(pglite: PGlite): () => number {
  let inFlight = 0;
  for (const method of ['query', 'exec'] as const) {
    const original = pglite[method].bind(pglite) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(pglite, {
      [method]: async (...args: unknown[]) => {
        inFlight++;
        try {
          return await original(...args);
        } finally {
          inFlight--;
        }
      },
    });
  }
  return () => inFlight;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('a pg-boss poll during an open Kysely transaction on PGlite', () => {
  let database: TestDatabase;
  let jobs: Jobs;
  let inFlight: () => number;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    if (database.handle.kind !== 'pglite') throw new Error('expected PGlite');
    inFlight = countStatementsInFlight(database.handle.pglite);
    jobs = createJobs({ database: database.handle, logger: { error: () => {}, warn: () => {} }, queues: [] });
    await jobs.start();
    await jobs.createQueue({ name: 'probe' });
  });
  afterAll(async () => {
    await jobs?.stop({ graceful: false });
    await database?.close();
  });

  it('waits for the transaction to end, then runs outside it', async () => {
    const handled = Promise.withResolvers<unknown>();
    await jobs.work('probe', ([job]) => Promise.resolve(handled.resolve(job!.data)), { pollingIntervalSeconds: 0.5 });
    const unitId = randomUUID();
    let sending: Promise<string | null> | undefined;
    let sendSettled = false;

    await expect(
      database.db.transaction().execute(async (trx) => {
        const unit = { id: unitId, parent_id: null, name: 'rolled back', binding_id: null };
        await trx.insertInto('units').values(unit).execute();
        sending = jobs.send('probe', { sentDuring: 'transaction' });
        void sending.finally(() => (sendSettled = true));
        // The send and another pg-boss statement (a poll) have reached PGlite while the transaction holds it…
        await until(() => inFlight() >= 2);
        // …and neither can complete until it ends.
        expect(sendSettled).toBe(false);
        // Statements of the transaction itself still run.
        expect(await trx.selectFrom('units').select('name').where('id', '=', unitId).execute()).toHaveLength(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');

    // The send ran after the rollback, outside the transaction: its job survived and reached the worker.
    const id = await sending!;
    expect(id).not.toBeNull();
    expect(await handled.promise).toEqual({ sentDuring: 'transaction' });
    expect(await database.db.selectFrom('units').select('id').where('id', '=', unitId).execute()).toEqual([]);
  });
});
