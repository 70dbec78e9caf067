/**
 * `connect` chooses how to reach Dingbridge: a named server, a live server announced in DATA_DIR/server.json, or
 * the database directly (a stale server.json is ignored, and so is any server when DATABASE_URL is set).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dingbridge, OpenOptions } from '../../src/app.ts';
import { connect } from '../../src/cli/connect.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { AppError } from '../../src/core/index.ts';
import { ADMIN_TOKEN_FILE, writeServerInfo } from '../../src/http/server-info.ts';
import { startFakeAdminServer, type FakeAdminServer } from './fake-admin-server.ts';
import { createInMemoryApi } from './in-memory-api.ts';

const KEY = 'a'.repeat(64);
const TOKEN = 'connect-token';
const memory = createInMemoryApi();
let server: FakeAdminServer;

beforeAll(async () => {
  server = await startFakeAdminServer(memory.api, TOKEN);
});
afterAll(async () => {
  await server.close();
});

function configFor(env: Record<string, string> = {}): Config {
  return loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'dingbridge-connect-')), DINGBRIDGE_SECRET_KEY: KEY, ...env }, { onWarning: () => {} });
}

/** An `open` that records its options and hands out the in-memory API. */
function fakeOpen() {
  const seen: OpenOptions[] = [];
  const events: string[] = [];
  const open = (config: Config, options: OpenOptions): Promise<Dingbridge> => {
    seen.push(options);
    // Only what connect uses; the rest of a Dingbridge is not needed here.
    return Promise.resolve({
      config,
      api: memory.api,
      startWorkers: () => Promise.resolve(void events.push('workers')),
      close: () => Promise.resolve(void events.push('closed')),
    } as unknown as Dingbridge);
  };
  return { open, seen, events };
}

function announce(config: Config, pid: number, url: string, token: string | null = TOKEN): void {
  writeServerInfo(config.dataDir, { pid, url, version: '0.1.0', startedAt: new Date().toISOString(), database: 'pglite' });
  if (token !== null) writeFileSync(join(config.dataDir, ADMIN_TOKEN_FILE), `${token}\n`, { mode: 0o600 });
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

describe('connect', () => {
  it('works directly when no server is announced, logging at warn to the given stream', async () => {
    const config = configFor();
    const { open, seen, events } = fakeOpen();
    const connection = await connect(config, { env: {}, open, logTo: { write: () => true } });
    expect(connection).toMatchObject({ mode: 'direct', database: 'pglite', serverUrl: undefined });
    expect(seen[0]!.role).toBe('cli');
    expect(seen[0]!.logger.level).toBe('warn');
    await connection.startWorkers();
    await connection.close();
    expect(events).toEqual(['workers', 'closed']);
  });

  it('LOG_LEVEL set in the environment decides the direct logger level', async () => {
    const config = configFor({ LOG_LEVEL: 'debug' });
    const { open, seen } = fakeOpen();
    await connect(config, { env: { LOG_LEVEL: 'debug' }, open, logTo: { write: () => true } });
    expect(seen[0]!.logger.level).toBe('debug');
  });

  it('goes through a live server announced in server.json, with the token from DATA_DIR/admin-token', async () => {
    const config = configFor();
    announce(config, process.pid, server.url);
    const { open, seen } = fakeOpen();
    const connection = await connect(config, { env: {}, open });
    expect(connection).toMatchObject({ mode: 'server', serverUrl: server.url, database: undefined });
    expect(seen).toEqual([]);
    expect(await connection.api.bindings.list()).toEqual(await memory.api.bindings.list());
  });

  it('ignores a server.json left by a dead process, and one whose server does not answer /healthz', async () => {
    const stale = configFor();
    announce(stale, await deadPid(), server.url);
    expect((await connect(stale, { env: {}, open: fakeOpen().open })).mode).toBe('direct');

    const silent = configFor();
    announce(silent, process.pid, 'http://127.0.0.1:9');
    expect((await connect(silent, { env: {}, open: fakeOpen().open })).mode).toBe('direct');
  });

  it('says which file holds the token when it cannot be read', async () => {
    const config = configFor();
    announce(config, process.pid, server.url, null);
    const error = await connect(config, { env: {}, open: fakeOpen().open }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'cli.admin_token_unreadable', details: { file: join(config.dataDir, ADMIN_TOKEN_FILE) } });
    expect((error as AppError).message).toContain(join(config.dataDir, ADMIN_TOKEN_FILE));
  });

  it('with DATABASE_URL works directly even when a server is announced', async () => {
    const config = configFor({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' });
    announce(config, process.pid, server.url);
    const connection = await connect(config, { env: {}, open: fakeOpen().open });
    expect(connection).toMatchObject({ mode: 'direct', database: 'postgres' });
  });

  it('a named server needs no local config; DINGBRIDGE_SERVER/TOKEN work like the flags', async () => {
    const noConfig = (): Config => {
      throw new Error('config read');
    };
    const connection = await connect(noConfig, { env: { DINGBRIDGE_SERVER: server.url, DINGBRIDGE_TOKEN: TOKEN } });
    expect(connection.mode).toBe('server');
    expect(Array.isArray(await connection.api.bindings.list())).toBe(true);
    await expect(connect(noConfig, { server: server.url, env: {} })).rejects.toMatchObject({ code: 'cli.token_required', status: 400 });
  });

  it('explains a db.locked from a process that announced no server', async () => {
    const config = configFor();
    const locked = () => Promise.reject(new AppError('db.locked', 'The embedded database is in use by another Dingbridge process (pid 4242).', { status: 409, details: { pid: 4242 } }));
    const error = (await connect(config, { env: {}, open: locked }).catch((reason: unknown) => reason)) as AppError;
    expect(error).toMatchObject({ code: 'db.locked', status: 409, details: { pid: 4242 } });
    expect(error.message).toMatch(/pid 4242.*server\.json.*--server <url> --token <token>/s);
  });
});
