/**
 * The overview's figures (issue 8) through the admin API in-process (`app.inject`), over the real services, the
 * emulator and both databases: each binding's health right after a sync, with a held run, a failed and a lagging
 * event and a failed outbound delivery; runs, DingTalk calls and events per hour and per day.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Activity, BindingHealth, Overview } from '../../src/activity/index.ts';
import { activityRoutes } from '../../src/activity/index.ts';
import { openDingbridge, type Dingbridge } from '../../src/app.ts';
import type { BindingView } from '../../src/bindings/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { json } from '../../src/db/index.ts';
import { createAdminTokens, createHttpServer } from '../../src/http/index.ts';
import type { RunView } from '../../src/sync/index.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';

const USERS = 30;

describeEachDatabase('overview health and activity routes', ({ database }) => {
  const emulator = useEmulator({ seed: 'activity-routes', users: USERS, qps: 0 });
  let dataDir: string;
  let app: Dingbridge;
  let http: FastifyInstance;
  let token: string;
  let binding: BindingView;
  let other: BindingView;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-activity-'));
    const config = loadConfig({ DATA_DIR: dataDir }, { onWarning: () => {} });
    app = await openDingbridge(config, { logger: pino({ level: 'silent' }), role: 'server', database: database().handle, jobs: { pollingIntervalSeconds: 0.5 } as never });
    binding = await app.api.bindings.add({
      name: 'Activity corp',
      corpId: emulator.corpId,
      appKey: emulator.appKey,
      appSecret: emulator.appSecret,
      apiBase: emulator.url,
      thresholds: { maxDeletePercent: 20 },
    });
    // A second organization, never synced: it must stay `idle` whatever happens to the first.
    other = await app.api.bindings.add(
      { name: 'Idle corp', corpId: 'dingidle000000000000', appKey: 'idle-key', appSecret: 'idle-secret', apiBase: emulator.url },
      { verify: false },
    );
    await app.startWorkers();
    const adminTokens = createAdminTokens({ db: app.database.db });
    token = (await adminTokens.create('activity test')).token;
    http = await createHttpServer({
      api: app.api,
      adminTokens,
      metrics: app.metrics,
      readiness: () => app.readiness(),
      logger: pino({ level: 'silent' }),
      version: 'test',
      publicUrl: 'http://127.0.0.1',
      adminRoutes: activityRoutes(app.activity),
    });
    await http.ready();
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function get<T>(url: string, status = 200): Promise<T> {
    const response = await http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(status);
    return response.json<T>();
  }
  const health = (id = binding.id) => get<BindingHealth>(`/api/v1/bindings/${id}/health`);
  async function syncToEnd(): Promise<RunView> {
    const run = await app.api.runs.start(binding.id);
    return vi.waitFor(
      async () => {
        const view = await app.api.runs.show(run.id);
        if (!['succeeded', 'partial', 'failed', 'held'].includes(view.status)) throw new Error(`the sync is still ${view.status}`);
        return view;
      },
      { timeout: 20_000, interval: 100 },
    );
  }

  it('says a binding that never ran is idle, with nothing known of its credentials', async () => {
    const before = await health();
    expect(before).toMatchObject({
      bindingId: binding.id,
      name: 'Activity corp',
      state: 'idle',
      lastRun: null,
      lastFullSyncAt: null,
      heldRuns: 0,
      events: { pending: 0, lagSeconds: null, oldestPendingAt: null, lastReceivedAt: null, failed: 0 },
      outbound: { pending: 0, failed: 0 },
      credentials: { state: 'unknown' },
    });
    const activity = await get<Activity>('/api/v1/stats/activity?range=24h');
    expect(activity.buckets).toHaveLength(24);
    expect(activity.buckets.every((b) => b.runs.total === 0 && b.apiCalls === 0)).toBe(true);
  });

  it('shows the last run, its time and the credentials as working right after a full sync', async () => {
    const run = await syncToEnd();
    expect(run.status).toBe('succeeded');
    const after = await health();
    expect(after.state).toBe('ok');
    expect(after.lastRun).toMatchObject({ id: run.id, kind: 'full', status: 'succeeded', failedOps: 0, errorCode: null, endedAt: run.endedAt });
    expect(after.lastFullSyncAt).toBe(run.createdAt);
    expect(after.credentials).toMatchObject({ state: 'ok', code: null });

    const activity = await get<Activity>('/api/v1/stats/activity');
    expect(activity).toMatchObject({ range: '24h', tz: 'UTC', bucket: 'hour' });
    const last = activity.buckets.at(-1)!;
    expect(last.runs).toMatchObject({ total: 1, byKind: { full: 1, event: 0, reconcile: 0 }, byStatus: { succeeded: 1, held: 0 } });
    expect(run.apiCalls.total).toBeGreaterThan(2);
    expect(last.apiCalls).toBe(run.apiCalls.total);
    // Hourly buckets, an hour apart, the last one holding now.
    const starts = activity.buckets.map((b) => Date.parse(b.start));
    expect(starts.slice(1).map((s, i) => s - starts[i]!)).toEqual(Array(23).fill(3_600_000));
    expect(Date.now() - starts.at(-1)!).toBeLessThan(3_600_000);

    const overview = await get<Overview>('/api/v1/overview');
    expect(overview.bindings.map((b) => [b.name, b.state])).toEqual([
      ['Activity corp', 'ok'],
      ['Idle corp', 'idle'],
    ]);
  });

  it('counts a held run and warns until it is decided', async () => {
    await emulator.control('POST', '/org/departures', { count: Math.round(USERS * 0.3) });
    const held = await syncToEnd();
    expect(held.status).toBe('held');
    const withHeld = await health();
    expect(withHeld).toMatchObject({ state: 'warning', heldRuns: 1, lastRun: { id: held.id, status: 'held' }, credentials: { state: 'ok' } });
    const activity = await get<Activity>('/api/v1/stats/activity?range=24h');
    expect(activity.buckets.at(-1)!.runs.byStatus).toMatchObject({ succeeded: 1, held: 1 });

    await app.api.runs.reject(held.id);
    expect(await health()).toMatchObject({ heldRuns: 0, state: 'ok', lastRun: { id: held.id, status: 'rejected' } });
  });

  it('reports a failed event, the lag of a waiting one and a failed delivery as errors', async () => {
    const db = app.database.db;
    const receivedAt = new Date(Date.now() - 10 * 60_000);
    const event = (status: 'pending' | 'failed', at: Date) => ({
      id: randomUUID(),
      binding_id: binding.id,
      event_id: randomUUID(),
      event_type: 'user_modify_org',
      corp_id: emulator.corpId,
      payload: json({ UserId: ['nobody'] }),
      source: 'http' as const,
      status,
      attempts: status === 'failed' ? 5 : 1,
      last_error: json({ code: 'dingtalk.unavailable', message: 'DingTalk did not answer' }),
      // The waiting event is backing off after a failed attempt, so the running processor leaves it alone.
      next_attempt_at: status === 'pending' ? new Date(Date.now() + 3_600_000) : null,
      received_at: at,
    });
    await db.insertInto('event_inbox').values([event('pending', receivedAt), event('failed', new Date(Date.now() - 60_000))]).execute();
    const withEvents = await health();
    expect(withEvents.state).toBe('error');
    expect(withEvents.events).toMatchObject({ pending: 1, failed: 1, oldestPendingAt: receivedAt.toISOString() });
    expect(withEvents.events.lagSeconds).toBeGreaterThanOrEqual(600);
    expect(withEvents.events.lagSeconds).toBeLessThan(660);
    expect(Date.parse(withEvents.events.lastReceivedAt!)).toBeGreaterThan(receivedAt.getTime());

    const account = await db.selectFrom('accounts').select('id').limit(1).executeTakeFirstOrThrow();
    await db
      .insertInto('outbound_outbox')
      .values({ id: randomUUID(), binding_id: binding.id, object_kind: 'account', object_id: account.id, action: 'upsert', status: 'failed', attempts: 5 })
      .execute();
    expect((await health()).outbound).toEqual({ pending: 0, failed: 1 });
    // The other binding's figures are its own.
    expect(await health(other.id)).toMatchObject({ state: 'idle', events: { pending: 0, failed: 0 }, outbound: { failed: 0 } });
  });

  it('counts the events an event run applied and its DingTalk calls', async () => {
    const org = await emulator.control<{ users: { userid: string }[] }>('GET', '/org');
    await app.events.inbox.store(binding.id, [
      { eventId: `activity-${randomUUID()}`, eventType: 'user_modify_org', corpId: emulator.corpId, bornAt: Date.now(), payload: { UserId: [org.users[0]!.userid] }, source: 'stream' },
    ]);
    const eventRun = await vi.waitFor(
      async () => {
        const run = (await app.api.runs.list({ bindingId: binding.id })).find((r) => r.kind === 'event' && r.status !== 'running');
        if (!run) throw new Error('no finished event run yet');
        return run;
      },
      { timeout: 20_000, interval: 100 },
    );
    const activity = await get<Activity>('/api/v1/stats/activity?range=24h');
    const last = activity.buckets.at(-1)!;
    expect(last.runs.byKind.event).toBe(1);
    expect(last.events).toBe(1);
    const runs = await app.api.runs.list({ bindingId: binding.id });
    expect(last.apiCalls).toBe(runs.reduce((sum, r) => sum + r.apiCalls.total, 0));
    expect(eventRun.apiCalls.total).toBeGreaterThan(0);
  });

  it("shows this server's Stream connection in Stream mode: connected, then reconnected after DingTalk drops it", async () => {
    expect((await health()).stream).toBeNull();
    await emulator.control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'stream' });
    await app.api.bindings.update(binding.id, { events: { mode: 'stream' } });
    const until = async (what: string, ok: (h: BindingHealth) => boolean): Promise<BindingHealth> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const h = await health();
        if (ok(h)) return h;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(h.stream)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const open = await until('the connection to open', (h) => h.stream?.state === 'open');
    expect(open.stream).toMatchObject({ reconnects: 0, lastError: null });
    expect(open.stream!.connectedAt).not.toBeNull();
    await emulator.control('POST', `/apps/${emulator.appKey}/stream/disconnect`);
    await until('a reconnection', (h) => h.stream?.state === 'open' && h.stream.reconnects >= 1);
    await app.api.bindings.update(binding.id, { events: { mode: 'off' } });
    await emulator.control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'none' });
    await until('the connection to go', (h) => h.stream === null);
  });

  it('buckets by calendar day in the time zone asked for, and per binding', async () => {
    const activity = await get<Activity>('/api/v1/stats/activity?range=7d&tz=Asia%2FShanghai');
    expect(activity).toMatchObject({ range: '7d', tz: 'Asia/Shanghai', bucket: 'day' });
    expect(activity.buckets).toHaveLength(7);
    // Midnight in Shanghai (UTC+8, no daylight saving) is 16:00 UTC the day before.
    for (const bucket of activity.buckets) expect(bucket.start).toMatch(/T16:00:00\.000Z$/);
    const total = activity.buckets.reduce((sum, b) => sum + b.runs.total, 0);
    expect(total).toBe((await app.api.runs.list({ limit: 500 })).length);

    const month = await get<Activity>(`/api/v1/stats/activity?range=30d&bindingId=${other.id}`);
    expect(month.buckets).toHaveLength(30);
    expect(month.buckets.every((b) => b.runs.total === 0)).toBe(true);
  });

  it('says DingTalk refused the credentials when the last sync that reached it was refused', async () => {
    const refused = await app.api.bindings.add(
      { name: 'Refused corp', corpId: emulator.corpId.replace(/.$/, 'x'), appKey: emulator.appKey, appSecret: 'not-the-secret', apiBase: emulator.url },
      { verify: false },
    );
    const run = await app.api.runs.start(refused.id);
    const ended = await vi.waitFor(
      async () => {
        const view = await app.api.runs.show(run.id);
        if (view.status !== 'failed') throw new Error(`the sync is ${view.status}`);
        return view;
      },
      { timeout: 20_000, interval: 100 },
    );
    const health = await get<BindingHealth>(`/api/v1/bindings/${refused.id}/health`);
    expect(health).toMatchObject({
      state: 'error',
      lastRun: { id: run.id, status: 'failed', errorCode: ended.error!.code },
      credentials: { state: 'failing', code: ended.error!.code, message: ended.error!.message },
    });
    expect(ended.error!.code).toMatch(/^dingtalk\.(invalid_credentials|invalid_token)$/);
    await app.api.bindings.remove(refused.id);
  });

  it('refuses a bad range or time zone and an unknown binding, saying what is wrong', async () => {
    const badRange = await get<{ error: { code: string; message: string } }>('/api/v1/stats/activity?range=1y', 400);
    expect(badRange.error.code).toBe('request.invalid');
    expect(badRange.error.message).toMatch(/range/);
    const badZone = await get<{ error: { code: string; message: string } }>('/api/v1/stats/activity?tz=Mars%2FOlympus', 400);
    expect(badZone.error.message).toMatch(/IANA time zone/);
    const missing = await get<{ error: { code: string } }>(`/api/v1/bindings/${randomUUID()}/health`, 404);
    expect(missing.error.code).toBe('binding.not_found');
    const missingStats = await get<{ error: { code: string } }>(`/api/v1/stats/activity?bindingId=${randomUUID()}`, 404);
    expect(missingStats.error.code).toBe('binding.not_found');
  });
});
