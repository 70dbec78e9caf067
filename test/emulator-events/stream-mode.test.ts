/**
 * Stream mode with the official `dingtalk-stream` client (npm 2.1.5), pointed at the emulator the way §9.4
 * describes: a subclass whose `getEndpoint()` posts the same JSON to the emulator's gateway and sets `dw_url`.
 * It receives `org_dept_create` for a department made through `topapi/v2/department/create`, gets an event again
 * after answering LATER, and reconnects after the server's `disconnect`.
 */
import { DWClient, EventAck, type DWClientDownStream, type EventAckData } from 'dingtalk-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.ts';

/** §9.4: the gateway URL is a module constant of the SDK, so the subclass asks the emulator instead. */
class EmulatorStreamClient extends DWClient {
  readonly #gateway: string;

  constructor(gateway: string, options: { clientId: string; clientSecret: string }) {
    super(options);
    this.#gateway = gateway;
  }

  override async getEndpoint(): Promise<this> {
    const response = await fetch(`${this.#gateway}/v1.0/gateway/connections/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ clientId: this.config.clientId, clientSecret: this.config.clientSecret, ua: this.config.ua, subscriptions: this.config.subscriptions }),
    });
    const { endpoint, ticket } = (await response.json()) as { endpoint: string; ticket: string };
    // `dw_url` is private in client.d.ts but a plain field at run time (§9.4).
    (this as unknown as { dw_url: string }).dw_url = `${endpoint}?ticket=${ticket}`;
    return this;
  }
}

// LATER is pushed again after 100 ms (10 s scaled), pings every 300 ms, the close 100 ms after a disconnect.
const emulator = useEmulator({ seed: 'stream-mode', users: 40, pushDelayScale: 0.01 });

interface Received {
  frame: DWClientDownStream;
  data: Record<string, unknown>;
}

const received: Received[] = [];
let answer: (frame: DWClientDownStream) => EventAckData = () => ({ status: EventAck.SUCCESS, message: 'ok' });
let client: EmulatorStreamClient;
let cachedToken: string | undefined;

async function oapi(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!cachedToken) {
    const response = await emulator.fetch(`/gettoken?appkey=${emulator.appKey}&appsecret=${emulator.appSecret}`);
    cachedToken = ((await response.json()) as { access_token: string }).access_token;
  }
  const response = await emulator.fetch(`/${path}?access_token=${cachedToken}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const connections = async (): Promise<number> => (await emulator.control<{ connections: number }>('GET', `/apps/${emulator.appKey}/events`)).connections;
const ofType = (type: string): Received[] => received.filter((r) => r.frame.headers.eventType === type);

async function createDept(name: string): Promise<number> {
  const reply = await oapi('topapi/v2/department/create', { name, parent_id: 1 });
  expect(reply.errcode, JSON.stringify(reply)).toBe(0);
  return (reply.result as { dept_id: number }).dept_id;
}

beforeAll(async () => {
  await emulator.control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'stream' });
  client = new EmulatorStreamClient(emulator.url, { clientId: emulator.appKey, clientSecret: emulator.appSecret });
  // §9.3: the listener's return value is the ACK, used synchronously.
  client.registerAllEventListener((frame) => {
    received.push({ frame, data: JSON.parse(frame.data) as Record<string, unknown> });
    return answer(frame);
  });
});

afterAll(() => {
  client.disconnect();
});

describe('Stream mode with the official dingtalk-stream client (§9)', () => {
  it('gets org_dept_create with the new id, including one made before it connected', async () => {
    const early = await createDept('流式之前');
    await client.connect();
    await until(async () => (await connections()) === 1, 'the connection');
    const deptId = await createDept('流式部门');
    await until(() => ofType('org_dept_create').length === 2, 'two org_dept_create events');

    const byId = new Map(ofType('org_dept_create').map((r) => [(r.data.deptId as number[])[0], r]));
    expect([...byId.keys()].sort()).toEqual([early, deptId].sort());
    const { frame, data } = byId.get(deptId)!;
    expect(frame).toMatchObject({ specVersion: '1.0', type: 'EVENT' });
    expect(frame.headers).toEqual({
      topic: '*',
      messageId: expect.any(String),
      contentType: 'application/json',
      time: expect.stringMatching(/^\d+$/),
      appId: expect.any(String),
      connectionId: expect.any(String),
      eventType: 'org_dept_create',
      eventId: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventCorpId: emulator.corpId,
      eventBornTime: expect.stringMatching(/^\d+$/),
      eventUnifiedAppId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
    });
    expect(data).toEqual({ timeStamp: frame.headers.eventBornTime, deptId: [deptId] });

    const log = () => emulator.control<{ events: { deliveries: { status: string }[] }[] }>('GET', '/events?type=org_dept_create');
    await until(async () => (await log()).events.every((e) => e.deliveries[0]?.status === 'acked'), 'both ACKed');
    expect((await log()).events).toHaveLength(2);
  });

  it('pushes an event answered LATER again, with the same eventId and a new messageId', async () => {
    const seen = new Set<string>();
    answer = (frame) => {
      const first = !seen.has(frame.headers.eventId!);
      seen.add(frame.headers.eventId!);
      return first ? { status: EventAck.LATER, message: 'busy' } : { status: EventAck.SUCCESS };
    };
    const deptId = await createDept('稍后部门');
    expect((await oapi('topapi/v2/department/update', { dept_id: deptId, name: '稍后部门改名' })).errcode).toBe(0);
    await until(() => ofType('org_dept_modify').length === 2, 'org_dept_modify twice');
    const [first, again] = ofType('org_dept_modify');
    expect(again!.frame.headers.eventId).toBe(first!.frame.headers.eventId);
    expect(again!.frame.headers.messageId).not.toBe(first!.frame.headers.messageId);
    expect(again!.data).toEqual({ timeStamp: expect.any(String), deptId: [deptId] });
    await until(async () => {
      const log = await emulator.control<{ events: { deliveries: { status: string; attempts: number; lastError?: string }[] }[] }>('GET', '/events?type=org_dept_modify');
      const delivery = log.events[0]?.deliveries[0];
      return delivery?.status === 'acked' && delivery.attempts === 2 && delivery.lastError === 'LATER';
    }, 'the modify event ACKed on the second push');
    answer = () => ({ status: EventAck.SUCCESS });
  });

  it('reconnects after the server says disconnect, and keeps receiving', async () => {
    expect(await emulator.control('POST', `/apps/${emulator.appKey}/stream/disconnect`, {})).toEqual({ appKey: emulator.appKey, disconnected: 1 });
    // The SDK reconnects one second after the close, with a new ticket.
    await until(async () => (await connections()) === 0, 'the close');
    const deptId = await createDept('断线期间');
    await until(() => ofType('org_dept_create').some((r) => (r.data.deptId as number[])[0] === deptId), 'the event after reconnecting');
    expect(await connections()).toBe(1);
  });
});
