/**
 * The `dingbridge emulator` command as a user runs it: a child process, one JSON line on stdout, logs on stderr,
 * a clean exit on SIGTERM, and exit code 2 with a clear message for a bad flag.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/dingbridge.js', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'emulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

describe('dingbridge emulator', () => {
  it('prints one JSON line once ready, serves, and exits cleanly on SIGTERM', async () => {
    const proc = run(['--port', '0', '--users', '150', '--seed', 'cli']);
    while (!proc.stdout().includes('\n')) await once(proc.child.stdout, 'data');
    const line = JSON.parse(proc.stdout().trim()) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['url', 'corpId', 'appKey', 'appSecret', 'agentId', 'users', 'depts']);
    expect(line).toMatchObject({ users: 150, depts: 6 });
    const response = await fetch(`${line.url as string}/gettoken?appkey=${line.appKey as string}&appsecret=${line.appSecret as string}`);
    expect(await response.json()).toMatchObject({ errcode: 0, expires_in: 7200 });
    proc.child.kill('SIGTERM');
    const [code] = (await once(proc.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(proc.stdout().trim().split('\n')).toHaveLength(1);
    expect(proc.stderr()).toContain('listening');
  });

  it('refuses a malformed flag with exit code 2 and says what is wrong', async () => {
    const proc = run(['--users', 'abc']);
    const [code] = (await once(proc.child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(proc.stderr()).toMatch(/--users.*abc.*whole number/s);
    expect(proc.stdout()).toBe('');
  });

  it('gives the same credentials for the same seed', async () => {
    const first = run(['--port', '0', '--users', '20', '--seed', 'same']);
    const second = run(['--port', '0', '--users', '20', '--seed', 'same']);
    for (const proc of [first, second]) while (!proc.stdout().includes('\n')) await once(proc.child.stdout, 'data');
    const [a, b] = [first, second].map((proc) => JSON.parse(proc.stdout()) as Record<string, unknown>);
    expect({ ...a, url: '' }).toEqual({ ...b, url: '' });
    for (const proc of [first, second]) proc.child.kill('SIGINT');
    await Promise.all([first, second].map((proc) => once(proc.child, 'exit')));
  });
});
