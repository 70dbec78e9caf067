/**
 * The Stream listener (issue 5, §9) against the emulator: a connection per binding in stream mode, following the
 * bindings as they change; events handed to the inbox with `source: 'stream'`; two listeners on one app (two
 * replicas) store each event once. The inbox here keeps the contract of `EventInbox` in memory (de-duplicated by
 * binding and event id, like the `event_inbox` table).
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { BindingEventContext } from '../../src/bindings/index.ts';
import { createStreamListener, type EventInbox, type InboxEvent, type StreamListener } from '../../src/events/index.ts';
import { useEmulator } from '../support/emulator.ts';

const emulator = useEmulator({ seed: 'stream-listener', users: 20, pushDelayScale: 0.01 });
const logger = pino({ level: 'silent' });
const listeners: StreamListener[] = [];

afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.stop()));
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The inbox contract in memory: a store that commits at once and refuses nothing. */
function memoryInbox(): EventInbox & { rows: Map<string, InboxEvent & { bindingId: string }>; calls: number } {
  const rows = new Map<string, InboxEvent & { bindingId: string }>();
  const inbox = {
    rows,
    calls: 0,
    store(bindingId: string, events: readonly InboxEvent[]) {
      inbox.calls++;
      let stored = 0;
      for (const event of events) {
        const key = `${bindingId}/${event.eventId}`;
        if (rows.has(key)) continue;
        rows.set(key, { ...event, bindingId });
        stored++;
      }
      return Promise.resolve({ stored, duplicates: events.length - stored });
    },
  };
  return inbox;
}

let apps = 0;
async function streamBinding(mode: BindingEventContext['mode'] = 'stream'): Promise<BindingEventContext> {
  const app = await emulator.control<{ appKey: string; appSecret: string }>('POST', '/apps', { appKey: `dingstreamlistener${++apps}` });
  await emulator.control('PUT', `/apps/${app.appKey}/events`, { mode: 'stream' });
  return { bindingId: randomUUID(), corpId: emulator.corpId, appKey: app.appKey, appSecret: app.appSecret, mode, callbackToken: null, aesKey: null, apiBase: { oapi: emulator.url, api: emulator.url, login: emulator.url } };
}

function listen(bindings: BindingEventContext[], inbox: EventInbox): StreamListener {
  const listener = createStreamListener({
    bindings: { eventBindings: () => Promise.resolve(bindings.map((b) => ({ ...b }))) },
    inbox,
    logger,
    pollIntervalMs: 0,
    connection: { backoff: { initialMs: 50, maxMs: 200 } },
  });
  listeners.push(listener);
  return listener;
}

const connections = async (appKey: string): Promise<number> => (await emulator.control<{ connections: number }>('GET', `/apps/${appKey}/events`)).connections;
const createDept = async (name: string): Promise<number> => (await emulator.control<{ dept_id: number }>('POST', '/org/departments', { name })).dept_id;
const acked = async (appKey: string, count: number): Promise<boolean> => {
  const log = await emulator.control<{ events: { deliveries: { appKey: string; status: string }[] }[] }>('GET', `/events?appKey=${appKey}`);
  const mine = log.events.map((e) => e.deliveries.find((d) => d.appKey === appKey));
  return mine.length === count && mine.every((d) => d?.status === 'acked');
};

describe('Stream listener (§9)', () => {
  it('connects the bindings in stream mode only and stores their events with source stream', async () => {
    const streamed = await streamBinding();
    const pushed = await streamBinding('http');
    const inbox = memoryInbox();
    const listener = listen([streamed, pushed], inbox);
    await listener.start();
    await until(async () => (await connections(streamed.appKey)) === 1, 'the connection');
    expect(await connections(pushed.appKey)).toBe(0);
    expect(listener.status()).toEqual([{ bindingId: streamed.bindingId, state: 'open', connectedAt: expect.any(Number), lastEventAt: null, reconnects: 0, lastError: null }]);

    const deptId = await createDept('监听部门');
    await until(() => inbox.rows.size === 1, 'the stored event');
    expect([...inbox.rows.values()]).toEqual([
      { bindingId: streamed.bindingId, eventId: expect.stringMatching(/^[0-9a-f]{32}$/), eventType: 'org_dept_create', corpId: emulator.corpId, bornAt: expect.any(Number), payload: { timeStamp: expect.any(String), deptId: [deptId] }, source: 'stream' },
    ]);
    await until(() => acked(streamed.appKey, 1), 'the ACK');
  });

  it('two listeners on one app (two replicas) store each event once', async () => {
    const binding = await streamBinding();
    const inbox = memoryInbox();
    const replicas = [listen([binding], inbox), listen([binding], inbox)];
    await Promise.all(replicas.map((r) => r.start()));
    await until(async () => (await connections(binding.appKey)) === 2, 'both connections');
    for (let i = 0; i < 10; i++) await createDept(`副本部门${i}`);
    await until(() => acked(binding.appKey, 10), 'every event ACKed');
    expect(inbox.rows.size).toBe(10);
    expect(new Set([...inbox.rows.values()].map((r) => JSON.stringify(r.payload)))).toHaveProperty('size', 10);
  });

  it('follows binding changes on refresh: off closes, stream connects again, a new secret reconnects', async () => {
    const binding = await streamBinding();
    const bindings = [binding];
    const inbox = memoryInbox();
    const listener = listen(bindings, inbox);
    await listener.start();
    await until(async () => (await connections(binding.appKey)) === 1, 'the connection');

    binding.mode = 'off';
    await listener.refresh(binding.bindingId);
    expect(listener.status()).toEqual([]);
    await until(async () => (await connections(binding.appKey)) === 0, 'the close');
    const whileOff = await createDept('关闭期间');

    binding.mode = 'stream';
    await listener.refresh(binding.bindingId);
    // DingTalk held the event for the app while nobody listened (§9.3 re-push); it arrives now.
    await until(() => [...inbox.rows.values()].some((r) => JSON.stringify(r.payload).includes(String(whileOff))), 'the held event');

    binding.appSecret = 'a-wrong-secret';
    await listener.refresh(binding.bindingId);
    await until(() => listener.status()[0]?.state === 'backoff', 'the refused reconnect');
    expect(listener.status()[0]?.lastError).toContain('AppKey/AppSecret');
    await until(async () => (await connections(binding.appKey)) === 0, 'the old connection closed');

    // Removed from the list altogether: nothing is left running.
    bindings.length = 0;
    await listener.refresh(binding.bindingId);
    expect(listener.status()).toEqual([]);
  });

  it('stop() closes every connection; a refresh after it does nothing', async () => {
    const binding = await streamBinding();
    const listener = listen([binding], memoryInbox());
    await listener.start();
    await until(async () => (await connections(binding.appKey)) === 1, 'the connection');
    await listener.stop();
    expect(listener.status()).toEqual([]);
    await until(async () => (await connections(binding.appKey)) === 0, 'the close');
    await listener.refresh(binding.bindingId);
    expect(listener.status()).toEqual([]);
  });
});
