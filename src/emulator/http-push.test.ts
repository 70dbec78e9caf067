import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callbackSignature, decryptCallback, encryptCallback } from './callback-crypto.ts';
import { startEmulator, type RunningEmulator } from './emulator-server.ts';
import { emulatorControl } from '../../test/support/emulator.ts';

const TOKEN = 'tok123';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

interface Sink {
  url: string;
  bodies: Record<string, unknown>[];
  fail: boolean;
  server: Server;
}

/** A receiver that answers like §7.4 (owner key from the emulator's AppKey), or HTTP 500 while `fail` is set. */
async function sink(ownerKey: () => string): Promise<Sink> {
  const state = { url: '', bodies: [] as Record<string, unknown>[], fail: false } as Sink;
  state.server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      const { message } = decryptCallback(AES_KEY, (JSON.parse(raw) as { encrypt: string }).encrypt);
      state.bodies.push(JSON.parse(message) as Record<string, unknown>);
      if (state.fail) return void response.writeHead(500).end();
      const encrypt = encryptCallback(AES_KEY, ownerKey(), 'success');
      const reply = { msg_signature: callbackSignature(TOKEN, '1', 'n', encrypt), timeStamp: '1', nonce: 'n', encrypt };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/cb`;
  return state;
}

let emulator: RunningEmulator | undefined;
let receiver: Sink | undefined;
afterEach(async () => {
  await emulator?.close();
  receiver?.server.closeAllConnections();
  await new Promise((resolve) => receiver?.server.close(resolve) ?? resolve(undefined));
});

const control = (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> =>
  emulatorControl(emulator!.url)<Record<string, unknown>>(method, path, body);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HTTP push options', () => {
  it('takes the subscription from the start options (no check_url), in the legacy format on request, and back after a reset', async () => {
    receiver = await sink(() => emulator!.appKey);
    emulator = await startEmulator({ users: 20, qps: 0, pushDelayScale: 0.01, callbackUrl: receiver.url, callbackToken: TOKEN, callbackAesKey: AES_KEY });
    await control('POST', '/org/departments', { name: '启动即推' });
    for (let i = 0; i < 100 && receiver.bodies.length === 0; i++) await sleep(10);
    expect(receiver.bodies).toEqual([expect.objectContaining({ EventType: 'org_dept_create', deptId: [expect.any(Number)] })]);

    await control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'http', url: receiver.url, token: TOKEN, aesKey: AES_KEY, format: 'legacy' });
    await control('POST', '/org/users', { name: '旧格式' });
    for (let i = 0; i < 100 && receiver.bodies.length < 3; i++) await sleep(10);
    expect(Object.keys(receiver.bodies[2]!)).toEqual(['EventType', 'TimeStamp', 'UserId', 'CorpId']);

    await control('POST', '/reset', {});
    expect(await control('GET', `/apps/${emulator.appKey}/events`)).toMatchObject({ mode: 'http', format: 'current', url: receiver.url });
  });

  it('refuses callback options that do not go together', async () => {
    await expect(startEmulator({ callbackUrl: 'http://127.0.0.1:1/x' })).rejects.toThrow(/go together/);
    await expect(startEmulator({ eventMode: 'http' })).rejects.toThrow(/needs callbackUrl/);
    await expect(startEmulator({ callbackToken: 'a' })).rejects.toThrow(/callbackToken/);
  });

  it('stops retrying when the emulator closes', async () => {
    receiver = await sink(() => emulator!.appKey);
    emulator = await startEmulator({ users: 20, qps: 0, pushDelayScale: 0.01 });
    await control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'http', url: receiver.url, token: TOKEN, aesKey: AES_KEY });
    receiver.fail = true;
    await control('POST', '/org/users', { name: '重试中' });
    for (let i = 0; i < 100 && receiver.bodies.length < 2; i++) await sleep(10);
    await emulator.close();
    emulator = undefined;
    const seen = receiver.bodies.length;
    await sleep(400);
    expect(receiver.bodies).toHaveLength(seen);
  });
});
