/**
 * Issue 5's "done when", end to end with real processes: `dingbridge serve` spawned on its own DATA_DIR (embedded
 * PGlite, as shipped), the CLI going through it, the emulator in this process pushing over HTTP or serving Stream
 * mode. Changes made in the emulator must reach `dingbridge directory export --json`; an event answered just before
 * the server is killed with SIGKILL must be applied after a restart; a re-sent event must be applied once.
 * Waits poll the export (failing after ~15 s); nothing is timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallbackCrypto } from '../../src/dingtalk/index.ts';
import { directoryExportSchema, type DirectoryExport } from '../../src/directory/index.ts';
import { readServerInfo } from '../../src/http/index.ts';
import { runDingbridge, startServe, until, type ServeProcess } from '../support/dingbridge-process.ts';
import { useEmulator } from '../support/emulator.ts';

const TOKEN = 'serveEventsToken1';
const AES_KEY = 'ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj';
/** How long a change may take to reach the directory here (the events goal is 2 s; this is the test's patience). */
const WAIT_MS = 15_000;


describe('dingbridge serve: DingTalk events into the directory, through the CLI', () => {
  const emulator = useEmulator({ seed: 'serve-events', users: 30, qps: 0, pushDelayScale: 0.01 });
  let dataDir: string;
  let server: ServeProcess | undefined;
  let bindingId: string;

  const env = () => ({ ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '' });

  async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const result = await runDingbridge(args, env());
    if (result.code !== 0) throw new Error(`dingbridge ${args.join(' ')} exited ${String(result.code)}:\n${result.stderr}`);
    return result;
  }

  async function startServer(): Promise<string> {
    server = await startServe(env(), dataDir);
    return server.url;
  }

  async function exported(): Promise<DirectoryExport> {
    return directoryExportSchema.parse(JSON.parse((await cli('directory', 'export', '--json')).stdout));
  }
  const accountOf = (directory: DirectoryExport, userid: string) => directory.accounts.find((a) => a.external?.userid === userid);
  const unitOf = (directory: DirectoryExport, deptId: number) => directory.units.find((u) => u.external?.deptId === deptId);

  /** Creates a department and a person in it, then makes another person leave; waits for all three in the export. */
  async function changesReachTheDirectory(label: string): Promise<void> {
    const org = await emulator.control<{ users: { userid: string; active: boolean; admin: boolean; boss: boolean }[] }>('GET', '/org');
    const leaver = org.users.find((u) => !u.admin && !u.boss && u.active)!;
    const department = await emulator.control<{ dept_id: number }>('POST', '/org/departments', { name: `${label} department` });
    const person = await emulator.control<{ userid: string }>('POST', '/org/users', { name: `${label} person`, dept_id_list: [department.dept_id] });
    await emulator.control('DELETE', `/org/users/${leaver.userid}`);

    const directory = await until(async () => {
      const now = await exported();
      const unit = unitOf(now, department.dept_id);
      const account = accountOf(now, person.userid);
      const left = accountOf(now, leaver.userid);
      return unit && account && left?.status === 'disabled' ? now : undefined;
    }, `the ${label} department, person and leaver in the export`, WAIT_MS);
    const unit = unitOf(directory, department.dept_id)!;
    expect(unit.name).toBe(`${label} department`);
    const account = accountOf(directory, person.userid)!;
    expect(account.displayName).toBe(`${label} person`);
    expect(account.status).toBe('enabled');
    expect(account.unitIds).toContain(unit.id);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-serve-events-'));
    await startServer();
  }, 60_000);
  afterAll(() => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds an HTTP-push binding through the CLI, syncs it once and registers its callback URL (check_url answered)', async () => {
    const added = await cli(
      'bindings', 'add', '--name', 'Evented corp', '--corp-id', emulator.corpId, '--app-key', emulator.appKey,
      '--app-secret', emulator.appSecret, '--api-base', emulator.url, '--event-mode', 'http',
      '--callback-token', TOKEN, '--aes-key', AES_KEY, '--json',
    );
    const binding = JSON.parse(added.stdout) as { id: string };
    bindingId = binding.id;
    expect(added.stdout).not.toContain(AES_KEY);
    const synced = JSON.parse((await cli('sync', bindingId, '--wait', '--json')).stdout) as { status: string };
    expect(synced.status).toBe('succeeded');
    expect((await exported()).accounts).toHaveLength(30);

    const { url } = readServerInfo(dataDir)!;
    const saved = await emulator.control<{ mode: string }>('PUT', `/apps/${emulator.appKey}/events`, {
      mode: 'http',
      url: `${url}/callback/idp/dingtalk/orgapp/${emulator.corpId}`,
      token: TOKEN,
      aesKey: AES_KEY,
    });
    expect(saved.mode).toBe('http');
  }, 60_000);

  it('HTTP push: a new department, a new person and a leaver show in the export within seconds', async () => {
    await changesReachTheDirectory('HTTP');
  }, 30_000);

  it('an event answered and then the server killed with SIGKILL is applied after restart; re-sent, it is applied once', async () => {
    // The emulator stops pushing, so the only event is the one this test signs and sends itself.
    await emulator.control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'none' });
    const org = await emulator.control<{ users: { userid: string; active: boolean; admin: boolean; boss: boolean }[] }>('GET', '/org');
    const [first, second] = org.users.filter((u) => !u.admin && !u.boss && u.active);
    await emulator.control('PATCH', `/org/users/${first!.userid}`, { name: '改名 一次' });

    const crypto = createCallbackCrypto({ token: TOKEN, aesKey: AES_KEY, ownerKey: emulator.appKey });
    const signed = (eventId: string, userid: string) => {
      const timestamp = String(Date.now());
      const nonce = 'crash123';
      const encrypt = crypto.encrypt(
        JSON.stringify({ EventType: 'user_modify_org', eventId, CorpId: emulator.corpId, userId: [userid], TimeStamp: timestamp }),
      );
      return { query: `msg_signature=${crypto.sign(timestamp, nonce, encrypt)}&timestamp=${timestamp}&nonce=${nonce}`, body: JSON.stringify({ encrypt }) };
    };
    const send = async (message: { query: string; body: string }) => {
      const { url } = readServerInfo(dataDir)!;
      const response = await fetch(`${url}/callback/idp/dingtalk/orgapp/${emulator.corpId}?${message.query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: message.body,
      });
      expect(response.status).toBe(200);
      const reply = (await response.json()) as { encrypt: string };
      expect(crypto.decrypt(reply.encrypt).msg).toBe('success');
    };

    const rename = signed('crash-test-rename-1', first!.userid);
    await send(rename);
    // Answered `success`: DingTalk will not send it again. Die at once, before the worker can have finished it.
    server!.child.kill('SIGKILL');
    await new Promise((resolve) => server!.child.once('exit', resolve));

    await startServer();
    await until(async () => accountOf(await exported(), first!.userid)?.displayName === '改名 一次', 'the rename applied after restart', WAIT_MS);

    // DingTalk sends the same event again (its retry after a lost answer): answered success, not applied again.
    // The person is renamed once more in DingTalk without an event: only a re-application would show the new name.
    await emulator.control('PATCH', `/org/users/${first!.userid}`, { name: '改名 两次' });
    await send(rename);
    // A later event (another person) is processed after it in the same binding's queue; once it shows, the re-sent
    // one would have been processed too had it been stored.
    await emulator.control('PATCH', `/org/users/${second!.userid}`, { name: '之后 的人' });
    await send(signed('crash-test-rename-2', second!.userid));
    const directory = await until(async () => {
      const now = await exported();
      return accountOf(now, second!.userid)?.displayName === '之后 的人' ? now : undefined;
    }, 'the later event applied', WAIT_MS);
    expect(accountOf(directory, first!.userid)?.displayName).toBe('改名 一次');
    const runs = JSON.parse((await cli('runs', 'list', '--binding', bindingId, '--json')).stdout) as { items: { kind: string }[] };
    // The first sync, the HTTP-push events (one or more batches), the crashed rename once and the later event once.
    expect(runs.items.filter((r) => r.kind === 'full')).toHaveLength(1);
  }, 60_000);

  it('Stream mode: after `bindings update --event-mode stream`, the same changes show in the export within seconds', async () => {
    await cli('bindings', 'update', bindingId, '--event-mode', 'stream');
    await emulator.control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'stream' });
    await until(async () => {
      const state = await emulator.control<{ connections: number }>('GET', `/apps/${emulator.appKey}/events`);
      return state.connections > 0;
    }, 'the server to connect to the Stream gateway', WAIT_MS);
    await changesReachTheDirectory('Stream');
    const metrics = await (await fetch(`${readServerInfo(dataDir)!.url}/metrics`)).text();
    expect(metrics).toMatch(/^dingbridge_stream_events_total\{outcome="stored"\} [1-9]/m);
    expect(metrics).toContain('dingbridge_stream_reconnects_total');
  }, 30_000);
});
