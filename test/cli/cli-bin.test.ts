/**
 * `bin/dingbridge.js` as a user runs it, against a server in this test: the secret piped on stdin, one JSON
 * document on stdout, exit codes from the process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bindingViewSchema } from '../../src/bindings/binding-contract.ts';
import { startFakeAdminServer, type FakeAdminServer } from './fake-admin-server.ts';
import { createInMemoryApi, type InMemoryState } from './in-memory-api.ts';

const BIN = fileURLToPath(new URL('../../bin/dingbridge.js', import.meta.url));
const TOKEN = 'bin-token';
let server: FakeAdminServer;
let state: InMemoryState;

beforeAll(async () => {
  const memory = createInMemoryApi();
  state = memory.state;
  server = await startFakeAdminServer(memory.api, TOKEN);
});
afterAll(async () => {
  await server.close();
});

async function dingbridge(args: string[], stdin = '') {
  const env = { ...process.env, DINGBRIDGE_SERVER: server.url, DINGBRIDGE_TOKEN: TOKEN };
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('bin/dingbridge.js', () => {
  it('adds a binding with the secret from stdin and lists it as JSON', async () => {
    const add = await dingbridge(['bindings', 'add', '--name', 'Bin', '--corp-id', 'dingbin', '--app-key', 'k', '--app-secret', '-', '--json'], 'piped-secret\n');
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const view = bindingViewSchema.parse(JSON.parse(add.stdout));
    expect(state.secrets).toEqual(['piped-secret']);

    const list = await dingbridge(['bindings', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(z.object({ items: z.array(bindingViewSchema) }).parse(JSON.parse(list.stdout)).items.map((b) => b.id)).toEqual([view.id]);
  });

  it('exits 2 for a bad id and 1 for an unknown one, with {error} on stdout under --json', async () => {
    const bad = await dingbridge(['runs', 'show', 'not-a-uuid']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/argument 'id'.*uuid/);
    expect(bad.stdout).toBe('');
    const missing = await dingbridge(['runs', 'show', '0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'run.not_found' } });
  });
});
