/**
 * The inbox's group commit: stores that arrive together share one transaction, and every caller learns exactly
 * which of its events were new — on both databases.
 */
import { expect, it } from 'vitest';
import { createEventInbox, createQueuedDrains, type InboxEvent } from '../../src/events/index.ts';
import { createTestBinding } from '../directory/directory-fixture.ts';
import { describeEachDatabase } from '../support/test-database.ts';

describeEachDatabase('the event inbox', ({ database }) => {
  const event = (id: string): InboxEvent => ({
    eventId: id,
    eventType: 'user_add_org',
    corpId: 'dingcorp',
    bornAt: 1_700_000_000_000,
    payload: { userId: [id] },
    source: 'http',
  });

  it('commits concurrent stores together, counting duplicates per caller, and queues one job per binding', async () => {
    const db = database().db;
    const { id: bindingId } = await createTestBinding(db);
    const sent: { bindingId: string }[] = [];
    let transactions = 0;
    const inbox = createEventInbox({
      db,
      jobs: {
        send: (_queue, data, options) => {
          expect(options?.transaction).toBeDefined(); // enqueued in the commit that stores the events
          transactions++;
          sent.push(data as { bindingId: string });
          return Promise.resolve('job');
        },
      },
    });
    await inbox.store(bindingId, [event('e0')]);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => inbox.store(bindingId, [event(`e${i % 20}`), event(`e${i % 20}`)])),
    );
    // e0 was stored before; e1…e19 are new once each, whoever's store came first; every other copy is a duplicate.
    expect(results.reduce((n, r) => n + r.stored, 0)).toBe(19);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(80 - 19);
    const rows = await db.selectFrom('event_inbox').select('event_id').where('binding_id', '=', bindingId).execute();
    expect(rows.map((r) => r.event_id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `e${i}`).sort());
    // One lone commit, then the 40 concurrent stores in far fewer commits than 40.
    expect(transactions).toBeGreaterThanOrEqual(2);
    expect(transactions).toBeLessThan(10);
    expect(new Set(sent.map((s) => s.bindingId))).toEqual(new Set([bindingId]));
  });

  it('rejects every caller of a failed commit, and stores nothing of it', async () => {
    const db = database().db;
    const inbox = createEventInbox({ db, jobs: { send: () => Promise.resolve('job') } });
    const unknownBinding = '00000000-0000-4000-8000-000000000001'; // violates the binding foreign key
    await expect(inbox.store(unknownBinding, [event('x1')])).rejects.toMatchObject({});
    const rows = await db.selectFrom('event_inbox').select('id').where('event_id', '=', 'x1').execute();
    expect(rows).toEqual([]);
  });

  it('with queued drains known (one process), sends a job only when none waits since the last drain started', async () => {
    const db = database().db;
    const { id: bindingId } = await createTestBinding(db);
    const queuedDrains = createQueuedDrains();
    let sends = 0;
    const inbox = createEventInbox({
      db,
      queuedDrains,
      jobs: {
        send: () => {
          sends++;
          return Promise.resolve(null); // as when `stately` collapses it: a job waits either way
        },
      },
    });
    await inbox.store(bindingId, [event('q1')]);
    expect(sends).toBe(1);
    // The job sent for q1 has not started: its drain will claim after these commits and take the rows too.
    await Promise.all([inbox.store(bindingId, [event('q2')]), inbox.store(bindingId, [event('q3')])]);
    expect(sends).toBe(1);
    // A drain began: it may already have passed over new rows, so the next commit queues a job again — once.
    queuedDrains.starting(bindingId);
    await inbox.store(bindingId, [event('q4')]);
    await inbox.store(bindingId, [event('q5'), event('q1')]);
    expect(sends).toBe(2);
    // Only duplicates: nothing new to drain, nothing sent.
    queuedDrains.starting(bindingId);
    await inbox.store(bindingId, [event('q5')]);
    expect(sends).toBe(2);
    const rows = await db.selectFrom('event_inbox').select('event_id').where('binding_id', '=', bindingId).where('event_id', 'like', 'q%').execute();
    expect(rows.map((r) => r.event_id).sort()).toEqual(['q1', 'q2', 'q3', 'q4', 'q5']);
  });
});
