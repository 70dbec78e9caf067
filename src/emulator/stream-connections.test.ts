import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { manualClock, type ManualClock } from '../core/index.ts';
import { startEmulator, type RunningEmulator } from './emulator-server.ts';

interface Frame {
  type: string;
  headers: Record<string, string>;
  data: string;
}

let emulator: RunningEmulator;
let clock: ManualClock;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  clock = manualClock(Date.UTC(2026, 5, 1));
  // Pings every 300 ms, no ACK → again after 600 ms, LATER → again after 100 ms.
  emulator = await startEmulator({ users: 20, qps: 0, clock, pushDelayScale: 0.01, eventMode: 'stream' });
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await emulator.close();
});

async function post(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function open(subscriptions?: { type: string; topic: string }[]): Promise<string> {
  const reply = await post('/v1.0/gateway/connections/open', { clientId: emulator.appKey, clientSecret: emulator.appSecret, subscriptions });
  expect(reply.status).toBe(200);
  return `${reply.body.endpoint as string}?ticket=${reply.body.ticket as string}`;
}

/** Connects and collects frames, echoing pings as the SDK does (§9.3) unless told not to; resolves once open. */
async function connect(url: string, { echoPings = true } = {}): Promise<{ ws: WebSocket; frames: Frame[]; closed: Promise<void> }> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const frames: Frame[] = [];
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as Frame;
    frames.push(frame);
    if (echoPings && frame.headers.topic === 'ping') ws.send(JSON.stringify({ code: 200, headers: frame.headers, message: 'OK', data: frame.data }));
  });
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  return { ws, frames, closed };
}

/** The HTTP status of a refused upgrade. */
function refusal(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    sockets.push(ws);
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ack = (ws: WebSocket, frame: Frame, data: unknown, code = 200): void =>
  ws.send(JSON.stringify({ code, headers: { messageId: frame.headers.messageId, contentType: 'application/json' }, message: 'OK', data: JSON.stringify(data) }));
const events = (frames: Frame[]): Frame[] => frames.filter((f) => f.type === 'EVENT');
const deliveries = async (): Promise<Record<string, unknown>[]> => {
  const log = (await (await fetch(`${emulator.url}/_emulator/events`)).json()) as { events: { deliveries: Record<string, unknown>[] }[] };
  return log.events.flatMap((e) => e.deliveries);
};

describe('Stream gateway and connections (§9.1–§9.3)', () => {
  it('answers connections/open with an endpoint and a ticket, and refuses bad requests', async () => {
    const url = await open();
    expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/connect\\?ticket=[0-9a-f-]{36}$`));
    expect(await post('/v1.0/gateway/connections/open')).toMatchObject({ status: 400, body: { code: 'Missingbody' } });
    expect((await post('/v1.0/gateway/connections/open', { clientId: emulator.appKey })).body.code).toBe('MissingclientSecret');
    expect((await post('/v1.0/gateway/connections/open', { clientId: emulator.appKey, clientSecret: 'wrong' })).body.code).toBe('invalidClientIdOrSecret');
    expect((await post('/v1.0/gateway/connections/open', { clientId: emulator.appKey, clientSecret: emulator.appSecret, subscriptions: 'x' })).body.code).toBe('invalidParameter');
  });

  it('checks the ticket at the upgrade: single use, 90 s, and only on /connect', async () => {
    const url = await open();
    expect(await refusal(url.replace('/connect', '/elsewhere'))).toBe(404);
    expect(await refusal(url.replace(/ticket=.*/, 'ticket=nope'))).toBe(401);
    await connect(url);
    expect(await refusal(url)).toBe(401);
    const late = await open();
    clock.advance(90_001);
    expect(await refusal(late)).toBe(401);
  });

  it('pushes again without an ACK (new messageId, same eventId), and settles on SUCCESS', async () => {
    const { ws, frames } = await connect(await open());
    await post('/_emulator/org/departments', { name: '无应答' });
    await until(() => events(frames).length === 2, 'the re-push after the ACK timeout');
    const [first, again] = events(frames);
    expect(again!.headers.eventId).toBe(first!.headers.eventId);
    expect(again!.headers.messageId).not.toBe(first!.headers.messageId);
    ack(ws, first!, { status: 'SUCCESS' }); // too late: that push timed out
    ack(ws, again!, { status: 'SUCCESS', message: 'ok' });
    await until(async () => (await deliveries())[0]?.status === 'acked', 'the ACK');
    expect(await deliveries()).toEqual([expect.objectContaining({ target: `stream:${emulator.appKey}`, status: 'acked', attempts: 2 })]);
  });

  it('treats an ACK without SUCCESS like LATER and drops the event after six pushes', async () => {
    const { ws, frames } = await connect(await open());
    ws.on('message', () => {
      const last = frames.at(-1)!;
      if (last.type === 'EVENT') ack(ws, last, {});
    });
    await post('/_emulator/org/departments', { name: '总是稍后' });
    await until(async () => (await deliveries())[0]?.status === 'dropped', 'the drop');
    expect(events(frames)).toHaveLength(6);
    expect((await deliveries())[0]).toMatchObject({ status: 'dropped', attempts: 6, lastError: expect.stringContaining('after 6 pushes') });
  });

  it('forgets an event answered LATER when the app leaves Stream mode', async () => {
    const { ws, frames } = await connect(await open());
    await post('/_emulator/org/departments', { name: '稍后又改' });
    await until(() => events(frames).length === 1, 'the event');
    ack(ws, events(frames)[0]!, { status: 'LATER' });
    await until(async () => (await deliveries())[0]?.status === 'later', 'LATER recorded');
    const response = await fetch(`${emulator.url}/_emulator/apps/${emulator.appKey}/events`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"mode":"none"}' });
    expect(response.status).toBe(200);
    expect((await deliveries())[0]).toMatchObject({ status: 'dropped' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(events(frames)).toHaveLength(1);
  });

  it('pings with an opaque to echo and closes a connection that does not answer', async () => {
    const silent = await connect(await open(), { echoPings: false });
    const polite = await connect(await open());
    await silent.closed;
    await until(() => polite.frames.filter((f) => f.headers.topic === 'ping').length >= 3, 'three pings');
    const ping = silent.frames.find((f) => f.headers.topic === 'ping')!;
    expect(ping).toMatchObject({ type: 'SYSTEM', headers: { topic: 'ping', messageId: expect.any(String) } });
    expect(JSON.parse(ping.data)).toEqual({ opaque: expect.any(String) });
    expect(polite.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('holds events while no EVENT connection is open, and sends disconnect before closing', async () => {
    const callbacksOnly = await connect(await open([{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }]));
    await post('/_emulator/org/departments', { name: '等待连接' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events(callbacksOnly.frames)).toEqual([]);
    const listener = await connect(await open());
    await until(() => events(listener.frames).length === 1, 'the held event');
    expect(await post(`/_emulator/apps/${emulator.appKey}/stream/disconnect`, {})).toMatchObject({ body: { disconnected: 2 } });
    await listener.closed;
    const disconnect = listener.frames.find((f) => f.headers.topic === 'disconnect')!;
    expect(JSON.parse(disconnect.data)).toEqual({ reason: 'connection is expired' });
  });

  it('closes its connections when the emulator closes', async () => {
    const { closed } = await connect(await open());
    await emulator.close();
    await closed;
    emulator = await startEmulator({ users: 5 });
  });
});
