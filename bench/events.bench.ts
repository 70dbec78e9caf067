/**
 * Real-time events benchmark (issue 5), against Dingbridge as shipped: `dingbridge serve` spawned on a fresh
 * DATA_DIR (embedded PGlite), the emulator in a process of its own, and this process generating load, so neither the
 * load nor the emulator shares the measured server's event loop. Reports:
 * - callback answer latency p50/p99 (goal p99 ≤ 50 ms): signed, encrypted `user_modify_org` pushes made here with
 *   `createCallbackCrypto`, sent open-loop at 200 events/s for 10 s over loopback HTTP; each is stored (a new
 *   eventId) and processed in the background, as in production;
 * - change-to-directory latency p50/p99 (goal p99 ≤ 2 s): people renamed and created one by one in the emulator's
 *   control API while it pushes to the server (HTTP mode), timed from the control call to the change visible in the
 *   admin API's directory (`GET /api/v1/directory`, polled every 20 ms, so figures carry up to that much).
 *
 * `node bench/events.bench.ts` runs it and prints the result as JSON. With `EVENTS_BENCH_DATABASE_URL` (or the
 * `databaseUrl` option) set to a PostgreSQL server URL whose role may create databases, the server runs on a
 * scratch database made there (dropped afterwards) instead of PGlite, for comparison.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createCallbackCrypto } from '../src/dingtalk/index.ts';
import type { DirectoryExport } from '../src/directory/index.ts';
import { readServerInfo } from '../src/http/index.ts';
import { startEmulatorProcess } from './emulator-process.ts';

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface EventsBenchResult {
  users: number;
  database: 'pglite' | 'postgres';
  callbackAnswer: LatencySummary & { ratePerSecond: number; seconds: number; non200: number; goalP99Ms: number };
  changeToDirectory: LatencySummary & { renames: number; creates: number; pollMs: number; goalP99Ms: number };
}

const BIN = fileURLToPath(new URL('../bin/dingbridge.js', import.meta.url));
const TOKEN = 'benchEventsToken1';
const AES_KEY = 'benchEventsAesKey0123456789abcdefghijklmnop';
const POLL_MS = 20;

export async function runEventsBench(
  options: { users?: number; rate?: number; seconds?: number; changes?: number; databaseUrl?: string } = {},
): Promise<EventsBenchResult> {
  const users = options.users ?? 500;
  const rate = options.rate ?? 200;
  const seconds = options.seconds ?? 10;
  const changes = options.changes ?? 40;
  const adminUrl = options.databaseUrl ?? (process.env.EVENTS_BENCH_DATABASE_URL || undefined);
  const scratch = adminUrl === undefined ? undefined : await createScratchDatabase(adminUrl);
  const emulator = await startEmulatorProcess({ users, qps: 0, seed: 'bench-events' });
  const dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-bench-events-'));
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: scratch?.url ?? '',
    ...(scratch ? { DINGBRIDGE_SECRET_KEY: randomBytes(32).toString('hex') } : {}),
  };
  let server: ChildProcess | undefined;
  try {
    server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const { url } = await until(() => readServerInfo(dataDir), 'dingbridge serve to listen', 60_000);
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
      return JSON.parse(text) as T;
    };
    const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${emulator.url}/_emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`control ${method} ${path} → ${response.status} ${text}`);
      return JSON.parse(text) as T;
    };

    const binding = await admin<{ id: string }>('POST', '/api/v1/bindings', {
      name: 'Events bench',
      corpId: emulator.corpId,
      appKey: emulator.appKey,
      appSecret: emulator.appSecret,
      apiBase: emulator.url,
      events: { mode: 'http', callbackToken: TOKEN, aesKey: AES_KEY },
    });
    const run = await admin<{ id: string }>('POST', `/api/v1/bindings/${binding.id}/sync`);
    const ended = await until(async () => {
      const view = await admin<{ status: string }>('GET', `/api/v1/runs/${run.id}`);
      return ['succeeded', 'partial', 'failed', 'held', 'rejected'].includes(view.status) ? view : undefined;
    }, 'the first full sync', 120_000);
    if (ended.status !== 'succeeded') throw new Error(`the first sync ended ${ended.status}`);
    const callbackUrl = `${url}/callback/idp/dingtalk/orgapp/${emulator.corpId}`;
    await control('PUT', `/apps/${emulator.appKey}/events`, { mode: 'http', url: callbackUrl, token: TOKEN, aesKey: AES_KEY });

    // (b) first, on a quiet server: one change at a time, each timed until the directory shows it.
    const directory = () => admin<DirectoryExport>('GET', '/api/v1/directory');
    const org = await control<{ users: { userid: string; admin: boolean; boss: boolean; active: boolean }[] }>('GET', '/org');
    const people = org.users.filter((u) => u.active && !u.admin && !u.boss);
    const changeLatencies: number[] = [];
    let renames = 0;
    let creates = 0;
    for (let i = 0; i < changes; i++) {
      const name = `变更 ${i}`;
      const started = performance.now();
      let userid: string;
      if (i % 2 === 0) {
        userid = people[i % people.length]!.userid;
        await control('PATCH', `/org/users/${userid}`, { name });
        renames++;
      } else {
        userid = (await control<{ userid: string }>('POST', '/org/users', { name })).userid;
        creates++;
      }
      await until(async () => (await directory()).accounts.some((a) => a.external?.userid === userid && a.displayName === name), `change ${i}`, 30_000, POLL_MS);
      changeLatencies.push(performance.now() - started);
      await sleep(100);
    }

    // (a) open-loop load: push i leaves at start + i / rate whatever the earlier answers did.
    const crypto = createCallbackCrypto({ token: TOKEN, aesKey: AES_KEY, ownerKey: emulator.appKey });
    const total = rate * seconds;
    const answerLatencies: number[] = [];
    let non200 = 0;
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const timestamp = String(Date.now());
      const nonce = `n${i}`;
      const encrypt = crypto.encrypt(
        JSON.stringify({ EventType: 'user_modify_org', eventId: `bench-${i}`, CorpId: emulator.corpId, userId: [people[i % people.length]!.userid], TimeStamp: timestamp }),
      );
      const target = `${callbackUrl}?msg_signature=${crypto.sign(timestamp, nonce, encrypt)}&timestamp=${timestamp}&nonce=${nonce}`;
      const sent = performance.now();
      inFlight.push(
        fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ encrypt }) }).then(async (response) => {
          await response.arrayBuffer();
          answerLatencies.push(performance.now() - sent);
          if (response.status !== 200) non200++;
        }),
      );
    }
    await Promise.all(inFlight);

    return {
      users,
      database: scratch ? 'postgres' : 'pglite',
      callbackAnswer: { ...summarize(answerLatencies), ratePerSecond: rate, seconds, non200, goalP99Ms: 50 },
      changeToDirectory: { ...summarize(changeLatencies), renames, creates, pollMs: POLL_MS, goalP99Ms: 2000 },
    };
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
    await scratch?.drop();
  }
}

/** A database of its own on the given server (the server's own database is left alone), dropped afterwards. */
async function createScratchDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `dingbridge_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

function summarize(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? Number.NaN };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs: number, pollMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`events bench: timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await runEventsBench(), null, 2));
}
