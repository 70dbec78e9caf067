/**
 * `dingbridge serve` as a user runs it, and the CLI on the same DATA_DIR going through it (PGlite admits one
 * process, so the CLI must not open the database itself): add a binding, sync with --wait, export the directory,
 * then stop the server with SIGTERM.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryExportSchema } from '../../src/directory/index.ts';
import { readServerInfo } from '../../src/http/index.ts';
import { runDingbridge, startServe, type ServeProcess } from '../support/dingbridge-process.ts';
import { useEmulator } from '../support/emulator.ts';

describe('dingbridge serve with the CLI going through it', () => {
  const emulator = useEmulator({ seed: 'serve', users: 120, qps: 0 });
  let dataDir: string;
  let serve: ServeProcess;

  const env = () => ({ ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '' });

  const cli = (...args: string[]) => runDingbridge(args, env());

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-serve-'));
    serve = await startServe(env(), dataDir);
  }, 60_000);
  afterAll(() => {
    if (serve?.child.exitCode === null) serve.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints where it listens and where the admin token is, and writes both files with mode 0600', () => {
    expect(serve.output()).toContain('listening on http://127.0.0.1:');
    expect(serve.output()).toContain(`admin token: ${join(dataDir, 'admin-token')} (created now`);
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'server.json')).mode & 0o777).toBe(0o600);
  });

  it('answers health, readiness, the OpenAPI document and metrics without a token, and the admin API only with one', async () => {
    const { url } = readServerInfo(dataDir)!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready' });
    expect((await (await fetch(`${url}/openapi.json`)).json()) as object).toHaveProperty('paths./api/v1/bindings');
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('dingbridge_sync_runs_total');
    expect((await fetch(`${url}/api/v1/bindings`)).status).toBe(401);
  });

  it('lets the CLI add a binding, sync it with --wait and export the directory through the server', async () => {
    const added = await cli(
      'bindings', 'add', '--name', 'Served corp', '--corp-id', emulator.corpId, '--app-key', emulator.appKey,
      '--app-secret', emulator.appSecret, '--api-base', emulator.url, '--json',
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const binding = JSON.parse(added.stdout) as { id: string; appSecretSet: boolean };
    expect(added.stdout).not.toContain(emulator.appSecret);

    const synced = await cli('sync', binding.id, '--wait', '--json');
    expect(synced.code).toBe(0);
    const run = JSON.parse(synced.stdout) as { status: string; applied: number; apiCalls: { total: number } };
    expect(run.status).toBe('succeeded');
    expect(run.applied).toBeGreaterThan(120);

    const exported = await cli('directory', 'export', '--json');
    expect(exported.code).toBe(0);
    const directory = directoryExportSchema.parse(JSON.parse(exported.stdout));
    expect(directory.accounts).toHaveLength(120);

    const again = await cli('sync', binding.id, '--wait', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'succeeded', applied: 0 });
  }, 60_000);

  it('stops on SIGTERM and removes its server file', async () => {
    serve.child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => serve.child.once('exit', resolve));
    expect(code).toBe(0);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
    // With no server, the CLI opens the database itself and sees the same directory.
    const direct = await cli('directory', 'export', '--json');
    expect(direct.code).toBe(0);
    expect(directoryExportSchema.parse(JSON.parse(direct.stdout)).accounts).toHaveLength(120);
  }, 30_000);
});
