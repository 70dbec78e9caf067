/**
 * Our Stream client beside the official `dingtalk-stream` (npm 2.1.5), which stays a test peer (§9.4):
 * - on a recording gateway (plain HTTP + `ws` on loopback) both get the same frames, and what they send back is
 *   compared: the ticket request, the upgrade URL, the ping echo and the EVENT ACK (§9.1, §9.3);
 * - ours also meets frames the official client never sees in tests: unreadable ones (ignored, or answered LATER
 *   when they carry a messageId), after which the connection still works;
 * - both connect to the emulator for one app at once, like two replicas, and every event is ACKed by one of them.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DWClient, EventAck } from 'dingtalk-stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createStreamConnection, type StreamConnection, type StreamEvent } from '../../src/events/stream-connection.ts';
import { useEmulator } from '../support/emulator.ts';

/** §9.4: the official client's gateway URL is a module constant; a subclass asks ours instead. */
class PeerStreamClient extends DWClient {
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

const logger = pino({ level: 'silent' });

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Reply {
  code?: number;
  headers?: Record<string, unknown>;
  message?: string;
  data?: string;
}

/** A gateway and WebSocket server that records what clients send and lets the test speak for DingTalk. */
class RecordingGateway {
  readonly server: Server;
  readonly wss = new WebSocketServer({ noServer: true });
  readonly ticketRequests: Record<string, unknown>[] = [];
  readonly upgrades: string[] = [];
  readonly sockets: WebSocket[] = [];
  readonly replies = new Map<WebSocket, Reply[]>();
  url = '';

  constructor() {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        this.ticketRequests.push({ path: request.url, accept: request.headers.accept, body: JSON.parse(body) as unknown });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ endpoint: `${this.url.replace('http', 'ws')}/connect`, ticket: `ticket-${this.ticketRequests.length}` }));
      });
    });
    this.server.on('upgrade', (request, socket, head) => {
      this.upgrades.push(request.url ?? '');
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        this.replies.set(ws, []);
        ws.on('message', (raw: Buffer) => this.replies.get(ws)!.push(JSON.parse(raw.toString('utf8')) as Reply));
        this.sockets.push(ws);
      });
    });
  }

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Sends a frame and waits for the reply that names its messageId. */
  async ask(ws: WebSocket, frame: { type: string; headers: Record<string, string>; data: string }): Promise<Reply> {
    ws.send(JSON.stringify({ specVersion: '1.0', ...frame }));
    let reply: Reply | undefined;
    await until(() => (reply = this.replies.get(ws)!.find((r) => r.headers?.messageId === frame.headers.messageId)) !== undefined, `the reply to ${frame.headers.messageId}`);
    return reply!;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const ping = (messageId: string) => ({ type: 'SYSTEM', headers: { topic: 'ping', messageId, contentType: 'application/json', time: '1700000000000' }, data: JSON.stringify({ opaque: `opaque-${messageId}` }) });
const event = (messageId: string, overrides: Record<string, string> = {}, data = '{"timeStamp":"1700000000000","userId":["u1"]}') => ({
  type: 'EVENT',
  headers: { topic: '*', messageId, contentType: 'application/json', time: '1700000000000', appId: 'app', connectionId: 'c1', eventType: 'user_add_org', eventId: `evt-${messageId}`, eventCorpId: 'dingcorp', eventBornTime: '1700000000000', eventUnifiedAppId: 'app', ...overrides },
  data,
});

describe('our Stream client and the official one on the same wire (§9)', () => {
  const gateway = new RecordingGateway();
  let ours: StreamConnection;
  const oursReceived: StreamEvent[] = [];

  beforeAll(async () => {
    await gateway.listen();
  });
  afterAll(async () => {
    await ours?.close();
    await gateway.close();
  });

  it('ask for a ticket, upgrade, echo pings and ACK events the same way', async () => {
    const peer = new PeerStreamClient(gateway.url, { clientId: 'peer-key', clientSecret: 'peer-secret' });
    peer.registerAllEventListener(() => ({ status: EventAck.SUCCESS, message: 'ok' }));
    await peer.connect();
    await until(() => gateway.sockets.length === 1, 'the official client');
    ours = createStreamConnection({
      clientId: 'peer-key',
      clientSecret: 'peer-secret',
      gatewayBase: gateway.url,
      logger,
      onEvent: (e) => {
        oursReceived.push(e);
        return Promise.resolve();
      },
    });
    ours.start();
    await until(() => gateway.sockets.length === 2, 'our client');
    const [theirs, mine] = gateway.sockets as [WebSocket, WebSocket];

    const [theirTicket, myTicket] = gateway.ticketRequests as [{ body: Record<string, unknown> }, { body: Record<string, unknown> }];
    expect(myTicket).toMatchObject({ path: '/v1.0/gateway/connections/open', accept: 'application/json' });
    for (const request of [theirTicket, myTicket]) {
      expect(request.body).toMatchObject({ clientId: 'peer-key', clientSecret: 'peer-secret' });
      expect(request.body.subscriptions).toContainEqual({ type: 'EVENT', topic: '*' });
    }
    expect(gateway.upgrades).toEqual(['/connect?ticket=ticket-1', '/connect?ticket=ticket-2']);

    const pings = [await gateway.ask(theirs, ping('p1')), await gateway.ask(mine, ping('p2'))];
    for (const [reply, id] of [[pings[0], 'p1'], [pings[1], 'p2']] as const) {
      expect(reply).toMatchObject({ code: 200, message: 'OK', headers: { messageId: id, topic: 'ping' } });
      expect(JSON.parse(reply!.data!)).toEqual({ opaque: `opaque-${id}` });
    }

    const acks = [await gateway.ask(theirs, event('e1')), await gateway.ask(mine, event('e2'))];
    for (const [reply, id] of [[acks[0], 'e1'], [acks[1], 'e2']] as const) {
      expect(reply).toMatchObject({ code: 200, headers: { messageId: id, contentType: 'application/json' } });
      expect(JSON.parse(reply!.data!)).toMatchObject({ status: 'SUCCESS' });
    }
    expect(oursReceived).toEqual([
      { messageId: 'e2', eventId: 'evt-e2', eventType: 'user_add_org', corpId: 'dingcorp', bornAt: 1_700_000_000_000, data: { timeStamp: '1700000000000', userId: ['u1'] } },
    ]);
    peer.disconnect();
  });

  it('ignores a frame it cannot read, answers LATER to an unreadable EVENT, and goes on', async () => {
    const mine = gateway.sockets[1]!;
    mine.send('this is not JSON');
    mine.send(JSON.stringify({ type: 'EVENT', headers: {} }));
    const missingId = await gateway.ask(mine, event('bad1', { eventId: '' }));
    const badData = await gateway.ask(mine, event('bad2', {}, 'not JSON either'));
    for (const reply of [missingId, badData]) {
      expect(reply.code).toBe(200);
      expect(JSON.parse(reply.data!)).toMatchObject({ status: 'LATER' });
    }
    const good = await gateway.ask(mine, event('e3'));
    expect(JSON.parse(good.data!)).toMatchObject({ status: 'SUCCESS' });
    expect(oursReceived.map((e) => e.eventId)).toEqual(['evt-e2', 'evt-e3']);
    expect(ours.status()).toMatchObject({ state: 'open', reconnects: 0 });
  });
});

describe('our Stream client and the official one as two replicas on the emulator', () => {
  const emulator = useEmulator({ seed: 'stream-peer', users: 20, pushDelayScale: 0.01 });
  let peer: PeerStreamClient;
  let ours: StreamConnection;

  afterAll(async () => {
    peer?.disconnect();
    await ours?.close();
  });

  it('each event is ACKed by one of them', async () => {
    await emulator.control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'stream' });
    const theirs = new Set<string>();
    const mine = new Set<string>();
    peer = new PeerStreamClient(emulator.url, { clientId: emulator.appKey, clientSecret: emulator.appSecret });
    peer.registerAllEventListener((frame) => {
      theirs.add(frame.headers.eventId!);
      return { status: EventAck.SUCCESS, message: 'ok' };
    });
    await peer.connect();
    ours = createStreamConnection({
      clientId: emulator.appKey,
      clientSecret: emulator.appSecret,
      gatewayBase: emulator.url,
      logger,
      onEvent: (e) => {
        mine.add(e.eventId);
        return Promise.resolve();
      },
    });
    ours.start();
    await until(async () => (await emulator.control<{ connections: number }>('GET', `/apps/${emulator.appKey}/events`)).connections === 2, 'both connections');

    for (let i = 0; i < 8; i++) await emulator.control('POST', '/org/departments', { name: `两个副本${i}` });
    const log = () => emulator.control<{ events: { eventId: string; deliveries: { status: string }[] }[] }>('GET', '/events?type=org_dept_create');
    await until(async () => (await log()).events.length === 8 && (await log()).events.every((e) => e.deliveries[0]?.status === 'acked'), 'every event ACKed');
    const ids = (await log()).events.map((e) => e.eventId);
    expect(new Set([...theirs, ...mine])).toEqual(new Set(ids));
    // The emulator picks a connection per message (seeded), so both took part.
    expect(mine.size).toBeGreaterThan(0);
    expect(theirs.size).toBeGreaterThan(0);
  });
});
