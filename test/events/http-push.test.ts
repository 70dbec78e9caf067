/**
 * DingTalk HTTP push end to end (issue 5): the real services and HTTP server on a free port, the emulator pushing
 * to it over HTTP. Outcomes are read from the directory and the inbox; waits poll, nothing is timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDingbridge, type Dingbridge } from '../../src/app.ts';
import type { BindingView } from '../../src/bindings/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createCallbackCrypto } from '../../src/dingtalk/index.ts';
import { createAdminTokens, createHttpServer } from '../../src/http/index.ts';
import { until } from '../support/dingbridge-process.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';

const TOKEN = 'dingbridgeToken1';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

describeEachDatabase('DingTalk HTTP push into the directory', ({ database }) => {
  const emulator = useEmulator({ seed: 'events-http', users: 40, qps: 0, pushDelayScale: 0.01 });
  let dataDir: string;
  let app: Dingbridge;
  let binding: BindingView;
  let http: Awaited<ReturnType<typeof createHttpServer>>;
  let callbackUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-events-'));
    const config = loadConfig({ DATA_DIR: dataDir }, { onWarning: () => {} });
    app = await openDingbridge(config, { logger: pino({ level: 'silent' }), role: 'server', database: database().handle, jobs: { pollingIntervalSeconds: 0.5 } as never });
    binding = await app.api.bindings.add({
      name: 'Emulated corp',
      corpId: emulator.corpId,
      appKey: emulator.appKey,
      appSecret: emulator.appSecret,
      apiBase: emulator.url,
      events: { mode: 'http', callbackToken: TOKEN, aesKey: AES_KEY },
    });
    await app.startWorkers();
    http = await createHttpServer({
      api: app.api,
      adminTokens: createAdminTokens({ db: app.database.db }),
      metrics: app.metrics,
      readiness: () => app.readiness(),
      logger: pino({ level: 'silent' }),
      version: 'test',
      publicUrl: 'http://127.0.0.1',
      plugins: [app.events.callbackPlugin],
    });
    await http.listen({ port: 0, host: '127.0.0.1' });
    const address = http.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    callbackUrl = `http://127.0.0.1:${port}/callback/idp/dingtalk/orgapp/${emulator.corpId}`;
    const run = await app.api.runs.start(binding.id);
    await until(async () => {
      const view = await app.api.runs.show(run.id);
      return ['succeeded', 'partial', 'failed', 'held'].includes(view.status) ? view : undefined;
    }, 'the first full sync');
  });
  afterAll(async () => {
    await http?.close();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const inboxCount = async (): Promise<number> =>
    Number((await app.database.db.selectFrom('event_inbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const accountOf = (userid: string) =>
    app.database.db
      .selectFrom('external_identities as ei')
      .innerJoin('accounts as a', 'a.id', 'ei.local_id')
      .select(['a.id', 'a.status', 'a.display_name'])
      .where('ei.binding_id', '=', binding.id)
      .where('ei.kind', '=', 'dingtalk_user')
      .where('ei.external_id', '=', userid)
      .executeTakeFirst();

  it('answers check_url when the callback URL is registered, and records when (the console\'s live indicator)', async () => {
    expect((await app.api.bindings.show(binding.id)).events.lastCheckUrlAt).toBeNull();
    const before = Date.now();
    const saved = await emulator.control<{ mode: string }>('PUT', `/apps/${emulator.appKey}/events`, {
      mode: 'http',
      url: callbackUrl,
      token: TOKEN,
      aesKey: AES_KEY,
    });
    expect(saved.mode).toBe('http');
    expect(await inboxCount()).toBe(0);
    const checkedAt = (await app.api.bindings.show(binding.id)).events.lastCheckUrlAt;
    expect(Date.parse(checkedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
  });

  it('brings a new person, a new department and a leaver into the directory within seconds', async () => {
    const department = await emulator.control<{ dept_id: number }>('POST', '/org/departments', { name: 'Events R&D' });
    const person = await emulator.control<{ userid: string }>('POST', '/org/users', { name: '事件 新人', dept_id_list: [department.dept_id] });
    const unit = await until(
      () =>
        app.database.db
          .selectFrom('external_identities as ei')
          .innerJoin('units as u', 'u.id', 'ei.local_id')
          .select(['u.name'])
          .where('ei.binding_id', '=', binding.id)
          .where('ei.kind', '=', 'dingtalk_dept')
          .where('ei.external_id', '=', String(department.dept_id))
          .executeTakeFirst(),
      'the new department',
    );
    expect(unit.name).toBe('Events R&D');
    const account = await until(() => accountOf(person.userid), 'the new person');
    expect(account.status).toBe('enabled');
    const exported = await app.api.directory.export();
    expect(exported.accounts.some((a) => a.id === account.id)).toBe(true);

    await emulator.control('DELETE', `/org/users/${person.userid}`);
    const left = await until(async () => {
      const now = await accountOf(person.userid);
      return now?.status === 'disabled' ? now : undefined;
    }, 'the leaver disabled');
    expect(left.status).toBe('disabled');
    const runs = await app.database.db.selectFrom('sync_runs').select(['status']).where('kind', '=', 'event').execute();
    expect(runs.length).toBeGreaterThan(0);
  });

  /** A push as DingTalk would send it, signed and encrypted by the test's own crypto. */
  async function push(msg: object, options: { ownerKey?: string; token?: string; signature?: string } = {}) {
    const crypto = createCallbackCrypto({ token: options.token ?? TOKEN, aesKey: AES_KEY, ownerKey: options.ownerKey ?? emulator.appKey });
    const timestamp = String(Date.now());
    const nonce = 'nonce123';
    const encrypt = crypto.encrypt(JSON.stringify(msg));
    const signature = options.signature ?? crypto.sign(timestamp, nonce, encrypt);
    return fetch(`${callbackUrl}?msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ encrypt }),
    });
  }

  it('refuses forged, wrong-key and unknown-corp callbacks and stores nothing', async () => {
    const before = await inboxCount();
    const event = { EventType: 'user_add_org', eventId: 'forged-1', CorpId: emulator.corpId, userId: ['nobody'] };
    expect((await push(event, { signature: '0'.repeat(40) })).status).toBe(401);
    expect((await push(event, { token: 'someoneElse' })).status).toBe(401);
    expect((await push(event, { ownerKey: 'dingOtherOwner' })).status).toBe(400);
    const unknown = await fetch(callbackUrl.replace(emulator.corpId, 'dingunknown'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"encrypt":"x"}' });
    expect(unknown.status).toBe(404);
    expect(await inboxCount()).toBe(before);
  });

  it('accepts the CorpId as owner key, answers a replay with success and stores it once', async () => {
    const before = await inboxCount();
    const org = await emulator.control<{ users: { userid: string }[] }>('GET', '/org');
    const event = { EventType: 'user_modify_org', eventId: 'replayed-1', CorpId: emulator.corpId, userId: [org.users[0]!.userid] };
    const first = await push(event, { ownerKey: emulator.corpId });
    expect(first.status).toBe(200);
    const reply = (await first.json()) as { encrypt: string };
    expect(createCallbackCrypto({ token: TOKEN, aesKey: AES_KEY, ownerKey: emulator.corpId }).decrypt(reply.encrypt).msg).toBe('success');
    expect((await push(event)).status).toBe(200);
    expect(await inboxCount()).toBe(before + 1);
    await until(async () => {
      const row = await app.database.db.selectFrom('event_inbox').select('status').where('event_id', '=', 'replayed-1').executeTakeFirst();
      return row?.status === 'processed';
    }, 'the replayed event processed');
  });

  it('recovers events parked in the failed list', async () => {
    // Pushes now fail (the receiver no longer knows the token the emulator signs with) and land in the failed list.
    await app.api.bindings.update(binding.id, { events: { mode: 'http', callbackToken: 'rotatedToken9' } }, { verify: false });
    const person = await emulator.control<{ userid: string }>('POST', '/org/users', { name: '失败 推送', dept_id_list: [1] });
    await until(async () => {
      const log = await emulator.control<{ events: { userIds?: string[]; deliveries: { status: string }[] }[] }>('GET', '/events?type=user_add_org');
      const event = log.events.find((e) => e.userIds?.includes(person.userid));
      return event?.deliveries.some((d) => d.status === 'failed');
    }, 'the push to fail');
    // The scheduled recovery (every 10 minutes, on the queue) may have taken the batch a moment before this call, and
    // DingTalk clears a batch at the next call: then that job stores the event, perhaps after this call returns.
    // Either way the event must be in the inbox once, from the failed list, and applied.
    await app.events.recoverFailed(binding.id);
    const recovered = async () =>
      (
        await app.database.db
          .selectFrom('event_inbox')
          .select(['source', 'payload'])
          .where('binding_id', '=', binding.id)
          .where('source', '=', 'failed_list')
          .execute()
      ).filter((row) => JSON.stringify(row.payload).includes(person.userid));
    await until(async () => (await recovered()).length > 0, 'the failed event in the inbox');
    expect(await recovered()).toHaveLength(1);
    await until(() => accountOf(person.userid), 'the recovered person');
  });
});
