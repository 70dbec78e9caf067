/**
 * The event, schedule and sign-in settings of a binding (issues 5 and 6) on both databases: round trip through the
 * `settings` column, the callback token and AES key sealed at rest and never shown or logged, what an update keeps,
 * `binding.invalid` naming the field, the Request URL, the next scheduled time, the accessors and `onChange`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, expect, it } from 'vitest';
import { createBindings, type Bindings, type BindingView } from '../../src/bindings/index.ts';
import { createSecretBox, SecretKey } from '../../src/config/index.ts';
import { isAppError, systemClock, type AppError } from '../../src/core/index.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';

const APP_SECRET = 'channels-app-secret-7';
const emulator = useEmulator({ seed: 'binding-channels', users: 5, appSecret: APP_SECRET });
const TOKEN = 'cbTok3nValue';
const AES_KEY = 'Zx8'.repeat(14) + 'Q';
/** 2026-11-24T08:00:00Z = 16:00 in Shanghai, 09:00 in Berlin. */
const NOW = Date.parse('2026-11-24T08:00:00.000Z');

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw error;
  return error;
}

describeEachDatabase('binding channel settings', ({ database }) => {
  const outputs: string[] = [];
  const changes: string[] = [];
  let bindings: Bindings;

  beforeAll(() => {
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (outputs.push(chunk.toString()), done()) }));
    bindings = createBindings({
      db: database().db,
      secretBox: createSecretBox(new SecretKey(randomBytes(32), 'env')),
      logger,
      clock: { now: () => NOW, sleep: (ms, signal) => systemClock.sleep(ms, signal) },
      publicUrl: 'https://idp.example.com/dingbridge/',
      onChange: (id) => {
        changes.push(id);
      },
      createTargetUnit: async (name, trx) => {
        const id = randomUUID();
        await trx.insertInto('units').values({ id, name, parent_id: null }).execute();
        return id;
      },
    });
  });

  const unverified = (fields: Record<string, unknown> = {}): Promise<BindingView> =>
    bindings.add(
      { name: 'Other', corpId: `ding${randomBytes(6).toString('hex')}`, appKey: 'k', appSecret: 's', apiBase: emulator.url, ...fields },
      { verify: false },
    );

  it('stores events, schedule and login; shows the Request URL and that the secrets are set, never the secrets', async () => {
    const view = await bindings.add({
      name: 'Acme',
      corpId: emulator.corpId,
      appKey: emulator.appKey,
      appSecret: APP_SECRET,
      apiBase: emulator.url,
      events: { mode: 'http', callbackToken: TOKEN, aesKey: AES_KEY },
      schedule: { kind: 'daily', times: ['13:30', '03:00'] },
      login: { methods: ['qr'] },
    });
    outputs.push(JSON.stringify(view), JSON.stringify(await bindings.list()));
    expect(view.events).toEqual({
      mode: 'http',
      callbackTokenSet: true,
      aesKeySet: true,
      requestUrl: `https://idp.example.com/dingbridge/callback/idp/dingtalk/orgapp/${emulator.corpId}`,
      lastCheckUrlAt: null,
    });
    expect(view.schedule).toEqual({ kind: 'daily', times: ['13:30', '03:00'], timezone: 'Asia/Shanghai' });
    // 16:00 in Shanghai now: 03:00 tomorrow (19:00 UTC) comes before 13:30 tomorrow.
    expect(view.nextScheduledAt).toBe('2026-11-24T19:00:00.000Z');
    expect(view.login).toEqual({ methods: ['qr'], outsiders: 'deny', provisionOnLogin: 'refuse' });

    // Sealed at rest, under their own contexts; opened for the event receiver only.
    const row = await database().db.selectFrom('bindings').select('settings').where('id', '=', view.id).executeTakeFirstOrThrow();
    const stored = JSON.stringify(row.settings);
    expect(stored).not.toContain(TOKEN);
    expect(stored).not.toContain(AES_KEY);
    expect(stored).toMatch(/"callbackToken":"v1\./);
    const context = await bindings.eventContext(view.id);
    expect(context).toMatchObject({ bindingId: view.id, corpId: emulator.corpId, appKey: emulator.appKey, appSecret: APP_SECRET, mode: 'http', callbackToken: TOKEN, aesKey: AES_KEY });
    expect(context.apiBase).toEqual({ oapi: emulator.url, api: emulator.url, login: emulator.url });
    expect(await bindings.eventContextByCorp(emulator.corpId)).toEqual(context);
    expect(await bindings.eventContextByCorp('dingnobody')).toBeUndefined();
    expect(changes).toContain(view.id);

    // An update without token or key keeps them; a new token replaces only the token.
    const renamed = await bindings.update(view.id, { name: 'Acme Ltd', events: { mode: 'http' } });
    expect(renamed.events).toMatchObject({ callbackTokenSet: true, aesKeySet: true });
    await bindings.update(view.id, { events: { mode: 'http', callbackToken: 'newToken99' } });
    expect(await bindings.eventContext(view.id)).toMatchObject({ callbackToken: 'newToken99', aesKey: AES_KEY });
    const stream = await bindings.update(view.id, { events: { mode: 'stream' } });
    expect(stream.events).toEqual({ mode: 'stream', callbackTokenSet: true, aesKeySet: true, requestUrl: null, lastCheckUrlAt: null });
    expect((await bindings.eventBindings()).map((b) => b.bindingId)).toContain(view.id);
    await bindings.update(view.id, { events: { mode: 'off' } });
    expect((await bindings.eventBindings()).map((b) => b.bindingId)).not.toContain(view.id);

    expect(outputs.join('\n')).not.toContain(TOKEN);
    expect(outputs.join('\n')).not.toContain(AES_KEY);
    expect(outputs.join('\n')).not.toContain('newToken99');
    await bindings.remove(view.id);
  });

  it('a binding stored before these settings reads as events off, no schedule, no sign-in', async () => {
    const view = await unverified();
    await database().db.updateTable('bindings').set({ settings: '{}' }).where('id', '=', view.id).execute();
    const shown = await bindings.show(view.id);
    expect(shown.events).toEqual({ mode: 'off', callbackTokenSet: false, aesKeySet: false, requestUrl: null, lastCheckUrlAt: null });
    expect(shown.schedule).toEqual({ kind: 'off' });
    expect(shown.nextScheduledAt).toBeNull();
    expect(shown.login).toEqual({ methods: [], outsiders: 'deny', provisionOnLogin: 'refuse' });
  });

  it('mode http without the token or the key is binding.invalid naming each and where DingTalk shows it', async () => {
    const error = await rejection(unverified({ events: { mode: 'http', callbackToken: TOKEN } }));
    expect(error.code).toBe('binding.invalid');
    expect(error.status).toBe(400);
    expect(error.message).toContain('events.aesKey');
    expect(error.message).toContain('开发者后台 → 事件订阅 → 加密 aes_key');
    expect(error.message).not.toContain('events.callbackToken');
    const view = await unverified({ events: { mode: 'stream' } });
    const both = await rejection(bindings.update(view.id, { events: { mode: 'http' } }));
    expect(both.message).toMatch(/events\.callbackToken.*签名 token.*events\.aesKey/);
    expect((await bindings.show(view.id)).events.mode).toBe('stream');
  });

  it('schedule problems are binding.invalid naming the field and the problem', async () => {
    const cases: [unknown, RegExp][] = [
      [{ kind: 'cron', cron: '0 25 * * *' }, /schedule\.cron: not a valid cron expression/],
      [{ kind: 'cron', cron: '0 0 3 * * *' }, /schedule\.cron: expected 5 fields .*got 6/],
      [{ kind: 'daily', times: ['03:00'], timezone: 'Mars/Olympus' }, /schedule\.timezone: unknown time zone "Mars\/Olympus"/],
      [{ kind: 'daily', times: ['3:00'] }, /schedule\.times\.0: expected HH:MM/],
      [{ kind: 'interval', hours: 25 }, /schedule\.hours/],
      [{ kind: 'weekly' }, /schedule\.kind/],
    ];
    for (const [schedule, message] of cases) {
      const error = await rejection(unverified({ schedule }));
      expect(error.code).toBe('binding.invalid');
      expect(error.message).toMatch(message);
    }
  });

  it('nextScheduledAt follows the schedule in its time zone; schedules() lists every binding', async () => {
    const view = await unverified({ schedule: { kind: 'cron', cron: '30 9 * * 1-5', timezone: 'Europe/Berlin' } });
    // Tuesday 09:00 in Berlin: 09:30 the same day.
    expect(view.nextScheduledAt).toBe('2026-11-24T08:30:00.000Z');
    const interval = await bindings.update(view.id, { schedule: { kind: 'interval', hours: 5 } });
    // On the hour, aligned to the clock in UTC: 00, 05, 10, 15, 20.
    expect(interval.nextScheduledAt).toBe('2026-11-24T10:00:00.000Z');
    expect(await bindings.schedules()).toContainEqual({ bindingId: view.id, schedule: { kind: 'interval', hours: 5 } });
    const off = await bindings.update(view.id, { schedule: { kind: 'off' } });
    expect(off.nextScheduledAt).toBeNull();
  });

  it('onChange hears add, update and remove after they commit; a failing listener does not fail the change', async () => {
    changes.length = 0;
    const view = await unverified();
    await bindings.update(view.id, { login: { methods: ['workbench'], outsiders: 'allow' } });
    await bindings.remove(view.id);
    expect(changes).toEqual([view.id, view.id, view.id]);

    const failing = createBindings({
      db: database().db,
      secretBox: createSecretBox(new SecretKey(randomBytes(32), 'env')),
      publicUrl: 'http://localhost:8080',
      onChange: () => Promise.reject(new Error('listener down')),
      createTargetUnit: async (name, trx) => {
        const id = randomUUID();
        await trx.insertInto('units').values({ id, name, parent_id: null }).execute();
        return id;
      },
    });
    const added = await failing.add({ name: 'F', corpId: 'dingfailing', appKey: 'k', appSecret: 's' }, { verify: false });
    expect((await failing.show(added.id)).name).toBe('F');
    await failing.remove(added.id);
  });
});
