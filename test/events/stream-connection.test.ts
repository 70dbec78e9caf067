/**
 * The Stream protocol client (§9) against the emulator over HTTP and WebSocket: an event is ACKed SUCCESS only after
 * `onEvent` resolved; a failing or too slow `onEvent` is answered LATER and the event is stored on its re-push; a
 * server `disconnect` leads to a new connection with nothing lost; refused credentials back off; `close()` closes.
 * Each test uses an app of its own, so events of one test never reach another's connection.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createStreamConnection, type StreamConnection, type StreamConnectionOptions, type StreamEvent } from '../../src/events/stream-connection.ts';
import { useEmulator } from '../support/emulator.ts';

// Scaled ×0.01: LATER comes again after 100 ms, pings every 300 ms, the close 100 ms after a disconnect. The no-ACK
// re-push is 10 s, so an event held on purpose is not pushed again while a test looks at it.
const emulator = useEmulator({ seed: 'stream-connection', users: 20, pushDelayScale: 0.01, streamAckTimeoutMs: 1_000_000 });
const logger = pino({ level: 'silent' });
const opened: StreamConnection[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

interface Delivery {
  status: string;
  attempts: number;
  lastError?: string;
  appKey: string;
}
interface LoggedEvent {
  eventId: string;
  eventType: string;
  deptIds?: number[];
  deliveries: Delivery[];
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let apps = 0;
/** A new app of the emulated organization, in stream mode. */
async function streamApp(): Promise<{ appKey: string; appSecret: string }> {
  const app = await emulator.control<{ appKey: string; appSecret: string }>('POST', '/apps', { appKey: `dingstreamconn${++apps}` });
  await emulator.control('PUT', `/apps/${app.appKey}/events`, { mode: 'stream' });
  return app;
}

function connect(app: { appKey: string; appSecret: string }, onEvent: StreamConnectionOptions['onEvent'], extra: Partial<StreamConnectionOptions> = {}): StreamConnection {
  const connection = createStreamConnection({ clientId: app.appKey, clientSecret: app.appSecret, gatewayBase: emulator.url, logger, onEvent, backoff: { initialMs: 50, maxMs: 200 }, ...extra });
  opened.push(connection);
  connection.start();
  return connection;
}

const connections = async (appKey: string): Promise<number> => (await emulator.control<{ connections: number }>('GET', `/apps/${appKey}/events`)).connections;

async function createDept(name: string): Promise<number> {
  return (await emulator.control<{ dept_id: number }>('POST', '/org/departments', { name })).dept_id;
}

/** The emulator's record of the event for `deptId` and its delivery to `appKey`. */
async function deliveryOf(deptId: number, appKey: string): Promise<{ event: LoggedEvent; delivery: Delivery } | undefined> {
  const log = await emulator.control<{ events: LoggedEvent[] }>('GET', `/events?appKey=${appKey}`);
  const event = log.events.find((e) => e.deptIds?.includes(deptId));
  const delivery = event?.deliveries.find((d) => d.appKey === appKey);
  return event && delivery ? { event, delivery } : undefined;
}

describe('Stream connection against the emulator (§9)', () => {
  it('hands an event to onEvent and ACKs SUCCESS only after onEvent resolved', async () => {
    const app = await streamApp();
    const received: StreamEvent[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const connection = connect(app, async (event) => {
      received.push(event);
      await gate;
    });
    await until(async () => (await connections(app.appKey)) === 1, 'the connection');
    expect(connection.status()).toMatchObject({ state: 'open', reconnects: 0, connectedAt: expect.any(Number), lastEventAt: null });

    const deptId = await createDept('流式确认');
    await until(() => received.length === 1, 'the event in onEvent');
    const [event] = received;
    expect(event).toEqual({
      messageId: expect.any(String),
      eventId: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventType: 'org_dept_create',
      corpId: emulator.corpId,
      bornAt: expect.any(Number),
      data: { timeStamp: expect.any(String), deptId: [deptId] },
    });
    // onEvent has not resolved: DingTalk must not have heard SUCCESS yet.
    expect((await deliveryOf(deptId, app.appKey))?.delivery).toMatchObject({ status: 'sent', attempts: 1 });

    release();
    await until(async () => (await deliveryOf(deptId, app.appKey))?.delivery.status === 'acked', 'the ACK');
    expect((await deliveryOf(deptId, app.appKey))?.delivery.attempts).toBe(1);
    expect(connection.status().lastEventAt).toEqual(expect.any(Number));
  });

  it('answers LATER when onEvent fails, and stores the event when DingTalk pushes it again', async () => {
    const app = await streamApp();
    const calls = new Map<string, number>();
    const stored = new Set<string>();
    connect(app, (event) => {
      const n = (calls.get(event.eventId) ?? 0) + 1;
      calls.set(event.eventId, n);
      if (n === 1) return Promise.reject(new Error('database is down'));
      stored.add(event.eventId);
      return Promise.resolve();
    });
    await until(async () => (await connections(app.appKey)) === 1, 'the connection');
    const deptId = await createDept('流式失败');
    await until(async () => (await deliveryOf(deptId, app.appKey))?.delivery.status === 'acked', 'the ACK after the re-push');
    const found = (await deliveryOf(deptId, app.appKey))!;
    expect(found.delivery).toMatchObject({ attempts: 2, lastError: 'LATER' });
    expect([...stored]).toEqual([found.event.eventId]);
    expect(calls.get(found.event.eventId)).toBe(2);
  });

  it('answers LATER when onEvent outlives its timeout, and stores the event on the re-push', async () => {
    const app = await streamApp();
    const stored = new Set<string>();
    const seen = new Set<string>();
    connect(
      app,
      async (event) => {
        if (!seen.has(event.eventId)) {
          seen.add(event.eventId);
          await new Promise(() => undefined); // a store that never answers
        }
        stored.add(event.eventId);
      },
      { timeouts: { eventMs: 100 } },
    );
    await until(async () => (await connections(app.appKey)) === 1, 'the connection');
    const deptId = await createDept('流式超时');
    await until(async () => (await deliveryOf(deptId, app.appKey))?.delivery.status === 'acked', 'the ACK after the re-push');
    const found = (await deliveryOf(deptId, app.appKey))!;
    expect(found.delivery).toMatchObject({ attempts: 2, lastError: 'LATER' });
    expect([...stored]).toEqual([found.event.eventId]);
  });

  it('reconnects at once after a server disconnect and loses nothing, even an event in flight', async () => {
    const app = await streamApp();
    const stored = new Map<string, number>();
    let hold: Promise<void> | undefined;
    const connection = connect(app, async (event) => {
      if (hold) await hold;
      stored.set(event.eventId, (stored.get(event.eventId) ?? 0) + 1);
    });
    await until(async () => (await connections(app.appKey)) === 1, 'the connection');

    // One event is in onEvent when DingTalk asks us to move; more come while we reconnect.
    let release!: () => void;
    hold = new Promise((resolve) => {
      release = resolve;
    });
    const inFlight = await createDept('流式断线前');
    await until(async () => (await deliveryOf(inFlight, app.appKey))?.delivery.status === 'sent', 'the event in flight');
    expect(await emulator.control('POST', `/apps/${app.appKey}/stream/disconnect`, {})).toEqual({ appKey: app.appKey, disconnected: 1 });
    const during = [await createDept('流式断线中1'), await createDept('流式断线中2')];
    await until(() => connection.status().reconnects === 1, 'the new connection');
    hold = undefined;
    release();
    const after = await createDept('流式断线后');

    for (const deptId of [inFlight, ...during, after]) {
      await until(async () => (await deliveryOf(deptId, app.appKey))?.delivery.status === "acked", `the ACK of dept ${deptId}: ${JSON.stringify(await deliveryOf(deptId, app.appKey))} ${JSON.stringify(connection.status())}`);
    }
    const log = await emulator.control<{ events: LoggedEvent[] }>('GET', `/events?appKey=${app.appKey}`);
    const ids = log.events.filter((e) => e.deptIds?.some((d) => [inFlight, ...during, after].includes(d))).map((e) => e.eventId);
    expect(ids).toHaveLength(4);
    for (const id of ids) expect(stored.get(id)).toBeGreaterThanOrEqual(1);
    await until(async () => (await connections(app.appKey)) === 1, 'the old connection closed');
    expect(connection.status()).toMatchObject({ state: 'open', reconnects: 1 });
  });

  it('backs off when the gateway refuses the credentials, asking for a fresh ticket each time', async () => {
    const app = await streamApp();
    const connection = connect({ appKey: app.appKey, appSecret: 'wrong-secret' }, () => Promise.resolve());
    await until(() => connection.status().state === 'backoff', 'the backoff');
    expect(connection.status()).toMatchObject({ connectedAt: null, lastError: expect.stringContaining('AppKey/AppSecret') });
    await emulator.control('DELETE', '/calls');
    await until(async () => ((await emulator.control<{ byApi: Record<string, number> }>('GET', '/calls')).byApi['v1.0/gateway/connections/open'] ?? 0) >= 2, 'two more attempts');
    await connection.close();
    expect(connection.status().state).toBe('closed');
  });

  it('close() resolves once the socket is closed, and nothing reconnects afterwards', async () => {
    const app = await streamApp();
    const connection = connect(app, () => Promise.resolve());
    await until(async () => (await connections(app.appKey)) === 1, 'the connection');
    await connection.close();
    expect(connection.status()).toMatchObject({ state: 'closed', connectedAt: null });
    await until(async () => (await connections(app.appKey)) === 0, 'the emulator to see the close');
    await emulator.control('DELETE', '/calls');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await emulator.control<{ byApi: Record<string, number> }>('GET', '/calls')).byApi['v1.0/gateway/connections/open']).toBeUndefined();
  });
});
