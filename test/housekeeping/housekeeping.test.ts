/**
 * Housekeeping through the composition root on each database: expired sessions, sign-in states and OIDC models
 * and old processed events are deleted; live rows, pending and failed events stay; the purge is an hourly pg-boss
 * schedule whose job does the same.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDingbridge, type Dingbridge } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import { manualClock } from '../../src/core/index.ts';
import { createHousekeeping, INBOX_RETENTION_DAYS } from '../../src/housekeeping/index.ts';
import { JOB_QUEUES } from '../../src/jobs/index.ts';
import { describeEachDatabase } from '../support/test-database.ts';

const NOW = Date.parse('2026-11-25T08:00:00Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describeEachDatabase('housekeeping', ({ database }) => {
  let app: Dingbridge;
  let dataDir: string;
  let bindingId: string;
  let accountId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-housekeeping-'));
    app = await openDingbridge(loadConfig({ DATA_DIR: dataDir }, { onWarning: () => {} }), {
      logger: pino({ level: 'silent' }),
      role: 'cli',
      database: database().handle,
    });
    bindingId = (await app.api.bindings.add({ name: 'Kept', corpId: 'dingkeep', appKey: 'k', appSecret: 's' }, { verify: false })).id;
    accountId = randomUUID();
    await database().db.insertInto('accounts').values({ id: accountId, username: 'someone', display_name: 'Someone' }).execute();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** One expired and one live row in each table, and inbox events of every status and age. */
  async function seed(): Promise<void> {
    const db = database().db;
    const at = (offset: number) => new Date(NOW + offset);
    for (const [id, expires] of [['expired', -HOUR], ['live', HOUR]] as const) {
      await db
        .insertInto('auth_sessions')
        .values({ id: randomUUID(), token_hash: `${id}-${randomUUID()}`, account_id: accountId, binding_id: null, method: 'qr', expires_at: at(expires) })
        .execute();
      await db
        .insertInto('auth_login_states')
        .values({ state: `${id}-${randomUUID()}`, nonce_hash: 'n', binding_id: bindingId, return_to: '/', expires_at: at(expires) })
        .execute();
      await db.insertInto('oidc_models').values({ kind: 'AuthorizationCode', id: `${id}-${randomUUID()}`, payload: JSON.stringify({}), expires_at: at(expires) }).execute();
    }
    await db.insertInto('oidc_models').values({ kind: 'Client', id: `forever-${randomUUID()}`, payload: JSON.stringify({}), expires_at: null }).execute();
    const events: [string, 'processed' | 'failed' | 'pending', number][] = [
      ['old-processed', 'processed', -(INBOX_RETENTION_DAYS + 1) * DAY],
      ['recent-processed', 'processed', -(INBOX_RETENTION_DAYS - 1) * DAY],
      ['old-failed', 'failed', -(INBOX_RETENTION_DAYS + 5) * DAY],
      ['old-pending', 'pending', -(INBOX_RETENTION_DAYS + 5) * DAY],
    ];
    for (const [eventId, status, age] of events) {
      await db
        .insertInto('event_inbox')
        .values({
          id: randomUUID(),
          binding_id: bindingId,
          event_id: `${eventId}-${randomUUID()}`,
          event_type: 'user_add_org',
          corp_id: 'dingkeep',
          payload: JSON.stringify({}),
          source: 'http',
          status,
          received_at: at(age),
          processed_at: status === 'processed' ? at(age) : null,
        })
        .execute();
    }
  }

  /** What is left of each table, by the label the row was seeded with (its key without the random suffix). */
  async function remaining() {
    const db = database().db;
    const labels = (keys: string[]) => keys.map((key) => key.replace(/-[0-9a-f-]{36}$/, '')).sort();
    return {
      sessions: labels((await db.selectFrom('auth_sessions').select('token_hash').execute()).map((row) => row.token_hash)),
      loginStates: labels((await db.selectFrom('auth_login_states').select('state').execute()).map((row) => row.state)),
      oidcModels: labels((await db.selectFrom('oidc_models').select('id').execute()).map((row) => row.id)),
      inbox: labels((await db.selectFrom('event_inbox').select('event_id').execute()).map((row) => row.event_id)),
    };
  }

  it('deletes what expired and old processed events; keeps live rows and every event still owed work', async () => {
    await seed();
    const housekeeping = createHousekeeping({ db: database().db, jobs: app.jobs, clock: manualClock(NOW), logger: pino({ level: 'silent' }) });
    expect(await housekeeping.purge()).toEqual({ sessions: 1, loginStates: 1, oidcModels: 1, inboxEvents: 1 });
    expect(await remaining()).toEqual({
      sessions: ['live'],
      loginStates: ['live'],
      oidcModels: ['forever', 'live'],
      inbox: ['old-failed', 'old-pending', 'recent-processed'],
    });
    expect(await housekeeping.purge()).toEqual({ sessions: 0, loginStates: 0, oidcModels: 0, inboxEvents: 0 });
  });

  it('runs hourly from a pg-boss schedule, and its job purges', async () => {
    await app.startWorkers();
    const schedules = await app.jobs.boss.getSchedules(JOB_QUEUES.housekeeping.name);
    expect(schedules.map((s) => [s.key, s.cron])).toEqual([['hourly', '17 * * * *']]);
    // The real clock: a session that expired a minute ago goes when the job runs.
    await database()
      .db.insertInto('auth_sessions')
      .values({ id: randomUUID(), token_hash: `job-${randomUUID()}`, account_id: accountId, binding_id: null, method: 'qr', expires_at: new Date(Date.now() - 60_000) })
      .execute();
    await app.jobs.send(JOB_QUEUES.housekeeping.name, {});
    const deadline = Date.now() + 20_000;
    let left = (await remaining()).sessions;
    while (left.includes('job') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = (await remaining()).sessions;
    }
    expect(left).not.toContain('job');
  });
});
