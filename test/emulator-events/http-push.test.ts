/**
 * HTTP push as a receiver sees it, with a receiver written only from dingtalk-api.md §7 (its own crypto from §7.3,
 * nothing imported from the project): check_url first, then the signed, encrypted events of a person created and
 * deleted through `topapi/v2/user/create` / `delete`, a retry after an HTTP 500, and the failed list of
 * `call_back/get_call_back_failed_result` (§7.5) — for both subscription kinds: the app's own (owner key = AppKey)
 * and `register_call_back` (owner key = corpId).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.ts';

// ---------------------------------------------------------------------------------------------------------------
// §7.3 crypto, written here from the reference (not the project's code).

const sign = (token: string, timestamp: string, nonce: string, encrypt: string): string =>
  createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');

const keyOf = (aesKey: string): Buffer => Buffer.from(`${aesKey}=`, 'base64');

function decrypt(aesKey: string, encrypt: string): { msg: string; owner: string } {
  const key = keyOf(aesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
  const pad = plain[plain.length - 1]!;
  const body = plain.subarray(0, plain.length - (pad >= 1 && pad <= 32 ? pad : 0));
  const length = body.readUInt32BE(16);
  return { msg: body.subarray(20, 20 + length).toString('utf8'), owner: body.subarray(20 + length).toString('utf8') };
}

function encrypt(aesKey: string, owner: string, msg: string): string {
  const key = keyOf(aesKey);
  const text = Buffer.from(msg, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(text.length);
  let plain = Buffer.concat([Buffer.from(randomBytes(8).toString('hex'), 'latin1'), length, text, Buffer.from(owner, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  plain = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

// ---------------------------------------------------------------------------------------------------------------
// A receiver per §7.2 / §7.4.

interface Push {
  event: Record<string, unknown>;
  /** Signature parameters agreed with the body, and the owner key was the expected one. */
  verified: boolean;
  query: URLSearchParams;
}

/** What the receiver does with a push: reply properly, answer HTTP 500, or reply signed with another owner key. */
type Answer = 'success' | 500 | 'wrong-owner' | 'slow';

interface Receiver {
  url: string;
  pushes: Push[];
  of(type: string): Push[];
  answer: (push: Push) => Answer;
  close(): Promise<void>;
}

const receivers: Receiver[] = [];
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

async function startReceiver(credentials: { token: string; aesKey: string; ownerKey: string }): Promise<Receiver> {
  const { token, aesKey, ownerKey } = credentials;
  const receiver: Receiver = {
    url: '',
    pushes: [],
    of: (type) => receiver.pushes.filter((p) => p.event.EventType === type),
    answer: () => 'success',
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const query = new URL(request.url ?? '/', 'http://receiver').searchParams;
      const body = JSON.parse(raw) as { encrypt: string };
      // §7.2: accept msg_signature or signature, timestamp or timeStamp.
      const signature = query.get('msg_signature') ?? query.get('signature') ?? '';
      const timestamp = query.get('timestamp') ?? query.get('timeStamp') ?? '';
      const nonce = query.get('nonce') ?? '';
      const { msg, owner } = decrypt(aesKey, body.encrypt);
      const push: Push = { event: JSON.parse(msg) as Record<string, unknown>, query, verified: sign(token, timestamp, nonce, body.encrypt) === signature && owner === ownerKey };
      receiver.pushes.push(push);
      const answer = receiver.answer(push);
      if (answer === 500) {
        response.writeHead(500).end('boom');
        return;
      }
      const reply = (): void => {
        const replyEncrypt = encrypt(aesKey, answer === 'wrong-owner' ? `${ownerKey}x` : ownerKey, 'success');
        const replyTimestamp = String(Date.now());
        const replyNonce = randomBytes(8).toString('hex');
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ msg_signature: sign(token, replyTimestamp, replyNonce, replyEncrypt), timeStamp: replyTimestamp, nonce: replyNonce, encrypt: replyEncrypt }),
        );
      };
      if (answer === 'slow') setTimeout(reply, 600).unref();
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dingtalk/events?binding=1`;
  receivers.push(receiver);
  return receiver;
}

// ---------------------------------------------------------------------------------------------------------------

// Retries after 100 ms and 300 ms instead of 10 s and 30 s; a reply deadline short enough to test.
const emulator = useEmulator({ seed: 'http-push', users: 40, pushDelayScale: 0.01, pushTimeoutMs: 400 });

let cachedToken: string | undefined;
/** One token for the file: gettoken too is held to 20 calls a second (§6.3). */
async function token(): Promise<string> {
  if (cachedToken) return cachedToken;
  const response = await emulator.fetch(`/gettoken?appkey=${emulator.appKey}&appsecret=${emulator.appSecret}`);
  cachedToken = ((await response.json()) as { access_token: string }).access_token;
  return cachedToken;
}

interface OapiReply {
  [field: string]: unknown;
  errcode: number;
  result: { userid: string };
  failed_list: unknown[];
  call_back_tag: string[];
}

async function oapi(path: string, body: Record<string, unknown> = {}, method = 'POST'): Promise<OapiReply> {
  const init = method === 'GET' ? {} : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const response = await emulator.fetch(`/${path}?access_token=${await token()}`, init);
  return (await response.json()) as OapiReply;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function deliveryStatuses(eventType: string): Promise<string[]> {
  const log = await emulator.control<{ events: { eventType: string; deliveries: { status: string }[] }[] }>('GET', `/events?type=${eventType}`);
  return log.events.flatMap((e) => e.deliveries.map((d) => d.status));
}

let serial = 0;
/** Creates and deletes one person through the §5 APIs; returns the userid. */
async function hireAndFire(): Promise<string> {
  serial++;
  const created = await oapi('topapi/v2/user/create', { name: `推送${serial}`, mobile: `1390000${String(serial).padStart(4, '0')}`, dept_id_list: '1' });
  expect(created.errcode, JSON.stringify(created)).toBe(0);
  const userid = created.result.userid;
  await until(async () => (await deliveryStatuses('user_add_org')).length > 0, 'user_add_org emitted');
  expect((await oapi('topapi/v2/user/delete', { userid })).errcode).toBe(0);
  return userid;
}

function expectWellFormed(push: Push, type: string, owner: { corpId: string }, userid: string): void {
  expect(push.verified).toBe(true);
  // §7.2: both signature names, the same value.
  expect(push.query.get('msg_signature')).toBe(push.query.get('signature'));
  expect(push.query.get('timestamp')).toMatch(/^\d+$/);
  expect(push.event).toMatchObject({
    EventType: type,
    EventTime: expect.any(Number),
    CorpId: owner.corpId,
    BizId: expect.any(String),
    eventId: expect.stringMatching(/^[0-9a-f]{32}$/),
    timeStamp: expect.stringMatching(/^\d+$/),
    userId: [userid],
  });
}

describe('HTTP push to the app’s own subscription (owner key = AppKey, §7.3)', () => {
  const credentials = { token: 'apptoken123', aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };

  it('saves the subscription only after a check_url answered with success and the AppKey', async () => {
    const wrong = await startReceiver({ ...credentials, ownerKey: emulator.appKey });
    wrong.answer = () => 'wrong-owner';
    const subscribe = (url: string) =>
      emulator.fetch(`/_emulator/apps/${emulator.appKey}/events`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'http', url, ...credentials }),
      });
    const refused = await subscribe(wrong.url);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ code: 'emulator.callback_check_failed', message: expect.stringContaining('owner key') });
    expect(wrong.pushes.map((p) => p.event)).toEqual([{ EventType: 'check_url' }]);

    const slow = await startReceiver({ ...credentials, ownerKey: emulator.appKey });
    slow.answer = () => 'slow';
    const late = await subscribe(slow.url);
    expect(await late.json()).toMatchObject({ details: { kind: 'transport', reason: expect.stringContaining('no reply within 400 ms') } });
    expect((await emulator.control<{ mode: string }>('GET', `/apps/${emulator.appKey}/events`)).mode).toBe('none');
  });

  it('pushes the created and the deleted person, retries after a 500, and lists what was never acknowledged', async () => {
    const receiver = await startReceiver({ ...credentials, ownerKey: emulator.appKey });
    const saved = await emulator.control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'http', url: receiver.url, ...credentials });
    expect(saved).toMatchObject({ mode: 'http', url: receiver.url, format: 'current' });
    expect(receiver.pushes).toHaveLength(1);
    expect(receiver.pushes[0]).toMatchObject({ event: { EventType: 'check_url' }, verified: true });

    // The first push of the new person fails with HTTP 500; the person's departure is never acknowledged.
    receiver.answer = (push) => (push.event.EventType === 'user_leave_org' || receiver.of('user_add_org').length === 1 ? 500 : 'success');
    const userid = await hireAndFire();

    await until(() => receiver.of('user_add_org').length === 2, 'the retry of user_add_org');
    const [first, retry] = receiver.of('user_add_org');
    expect(retry!.event.eventId).toBe(first!.event.eventId);
    expectWellFormed(first!, 'user_add_org', emulator, userid);
    expectWellFormed(retry!, 'user_add_org', emulator, userid);
    await until(async () => (await deliveryStatuses('user_add_org')).includes('delivered'), 'user_add_org delivered');

    await until(async () => (await deliveryStatuses('user_leave_org')).includes('failed'), 'user_leave_org failed');
    const leaves = receiver.of('user_leave_org');
    expect(leaves).toHaveLength(3); // first try, +10 s, +30 s (scaled)
    for (const push of leaves) expectWellFormed(push, 'user_leave_org', emulator, userid);
    expect(new Set(leaves.map((p) => p.event.eventId)).size).toBe(1);

    const failed = await oapi('call_back/get_call_back_failed_result', {}, 'GET');
    expect(failed).toMatchObject({ errcode: 0, has_more: false });
    expect(failed.failed_list).toEqual([
      { call_back_tag: 'user_leave_org', event_time: leaves[0]!.event.EventTime, user_leave_org: { userid: [userid], corpid: emulator.corpId } },
    ]);
    // §7.5: each call clears the batch the previous call returned.
    expect((await oapi('call_back/get_call_back_failed_result', {}, 'GET')).failed_list).toEqual([]);

    await emulator.control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'none' });
  });
});

describe('HTTP push to a register_call_back subscription (owner key = corpId, §7.1, §7.3)', () => {
  const credentials = { token: 'corptoken', aesKey: 'ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj' };
  const register = (url: string, tags = ['user_add_org', 'user_leave_org'], api = 'register_call_back') =>
    oapi(`call_back/${api}`, { call_back_tag: tags, token: credentials.token, aes_key: credentials.aesKey, url });

  it('refuses a receiver that answers with the AppKey instead of the corpId (71009), and bad fields', async () => {
    const wrong = await startReceiver({ ...credentials, ownerKey: emulator.corpId });
    wrong.answer = () => 'wrong-owner';
    expect(await register(wrong.url)).toMatchObject({ errcode: 71009 });
    expect(wrong.pushes.map((p) => p.event)).toEqual([{ EventType: 'check_url' }]);
    expect((await register(wrong.url, ['no_such_event'])).errcode).toBe(71008);
    expect((await register('ftp://example')).errcode).toBe(71011);
    expect((await oapi('call_back/register_call_back', { call_back_tag: ['user_add_org'], url: wrong.url })).errcode).toBe(71010);
    expect((await oapi('call_back/get_call_back', {}, 'GET')).errcode).toBe(71007);
  });

  it('pushes the tagged events, retries after a 500, lists the unacknowledged one once, and deletes the registration', async () => {
    const receiver = await startReceiver({ ...credentials, ownerKey: emulator.corpId });
    expect(await register(receiver.url)).toMatchObject({ errcode: 0 });
    expect(receiver.pushes.map((p) => [p.event, p.verified])).toEqual([[{ EventType: 'check_url' }, true]]);
    expect((await register(receiver.url)).errcode).toBe(71006);
    expect(await oapi('call_back/get_call_back', {}, 'GET')).toMatchObject({
      errcode: 0,
      call_back_tag: ['user_add_org', 'user_leave_org'],
      token: credentials.token,
      aes_key: credentials.aesKey,
      url: receiver.url,
    });

    receiver.answer = (push) => (push.event.EventType === 'user_leave_org' || receiver.of('user_add_org').length === 1 ? 500 : 'success');
    const userid = await hireAndFire();
    // Not among the registration's tags: never pushed.
    expect((await oapi('topapi/v2/department/create', { name: '不推送部门', parent_id: 1 })).errcode).toBe(0);

    await until(() => receiver.of('user_add_org').length === 2, 'the retry of user_add_org');
    for (const push of receiver.of('user_add_org')) expectWellFormed(push, 'user_add_org', emulator, userid);
    await until(() => receiver.of('user_leave_org').length === 3, 'three tries of user_leave_org');
    await until(async () => (await deliveryStatuses('user_leave_org')).includes('failed'), 'user_leave_org failed');
    expect(receiver.pushes.some((p) => p.event.EventType === 'org_dept_create')).toBe(false);

    const failed = await oapi('call_back/get_call_back_failed_result', {}, 'GET');
    expect(failed.failed_list).toEqual([
      expect.objectContaining({ call_back_tag: 'user_leave_org', user_leave_org: { userid: [userid], corpid: emulator.corpId } }),
    ]);
    expect((await oapi('call_back/get_call_back_failed_result', {}, 'GET')).failed_list).toEqual([]);

    expect((await register(receiver.url, ['org_dept_create'], 'update_call_back')).errcode).toBe(0);
    expect((await oapi('call_back/get_call_back', {}, 'GET')).call_back_tag).toEqual(['org_dept_create']);
    expect((await oapi('call_back/delete_call_back', {}, 'GET')).errcode).toBe(0);
    expect((await oapi('call_back/delete_call_back', {}, 'GET')).errcode).toBe(71007);
    expect((await register(receiver.url, ['org_dept_create'], 'update_call_back')).errcode).toBe(71007);
  });
});
