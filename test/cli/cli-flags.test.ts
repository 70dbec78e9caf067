/**
 * Flag validation: each malformed flag or argument is refused before anything connects, with exit code 2 and a
 * message naming it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.ts';

const ID = '0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13';
const ADD = ['bindings', 'add', '--name', 'Acme', '--corp-id', 'dingacme', '--app-key', 'key', '--app-secret', 's3cret'];

describe('dingbridge admin commands refuse bad flags', () => {
  const cases: [string[], RegExp][] = [
    [['bindings', 'show', 'nope'], /argument 'id'.*uuid/],
    [['bindings', 'update', '12', '--name', 'x'], /argument 'id'.*uuid/],
    [['bindings', 'remove', 'x', '--yes'], /argument 'id'/],
    [['bindings', 'check', 'x'], /argument 'id'/],
    [['sync', 'abc'], /argument 'bindingId'.*uuid/],
    [['runs', 'show', 'abc'], /argument 'id'.*uuid/],
    [['runs', 'approve', 'abc'], /argument 'id'/],
    [['runs', 'list', '--binding', 'abc'], /--binding.*uuid/],
    [['runs', 'list', '--status', 'done'], /--status.*queued, running/],
    [['runs', 'list', '--limit', '501'], /--limit.*1 to 500/],
    [['runs', 'show', ID, '--status', 'weird'], /--status.*planned/],
    [['runs', 'show', ID, '--op', 'account.fly'], /--op.*account.update/],
    [['bindings', 'add', '--corp-id', 'c', '--app-key', 'k'], /--name/],
    [['bindings', 'add', '--name', 'n', '--app-key', 'k'], /--corp-id/],
    [[...ADD, '--api-base', 'ftp://x'], /--api-base.*http/],
    [[...ADD, '--agent-id', 'abc'], /--agent-id.*digits/],
    [[...ADD, '--target-unit', '42'], /--target-unit.*uuid/],
    [[...ADD, '--scope', 'some'], /--scope.*"all"/],
    [[...ADD, '--scope', '42,0'], /--scope.*"0"/],
    [[...ADD, '--max-deletes', '-1'], /--max-deletes/],
    [[...ADD, '--max-delete-percent', '101'], /--max-delete-percent.*0 to 100/],
    [[...ADD, '--delete-after-days', 'soon'], /--delete-after-days.*never/],
    [[...ADD, '--matching', 'mobile,shoe_size'], /--matching.*shoe_size/],
    [[...ADD, '--mapping-file', '/nonexistent/mapping.json'], /--mapping-file.*\/nonexistent\/mapping.json/],
    [[...ADD, '--nmae', 'x'], /unknown option '--nmae'/],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(' ')}`, async () => {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    });
  }

  it('needs a secret: no --app-secret and no DINGBRIDGE_APP_SECRET is a usage error naming the flag', async () => {
    const result = await runCli(ADD.slice(0, -2));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--app-secret/);
  });

  it('with --json, a usage error found after parsing is {error} on stdout', async () => {
    const result = await runCli([...ADD.slice(0, -2), '--json']);
    expect(result.code).toBe(2);
    expect(result.json()).toMatchObject({ error: { code: 'cli.missing_flag', details: { flag: '--app-secret' } } });
  });

  it('bindings update with nothing to change is a usage error', async () => {
    // Reaches the connection (update merges thresholds from the current binding), so give it one that is never used.
    const result = await runCli(['bindings', 'update', ID], {
      connect: () => Promise.resolve({ api: {} as never, mode: 'server', database: undefined, serverUrl: 'x', startWorkers: async () => {}, close: async () => {} }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/at least one flag/);
  });

  it('a mapping file that is not a field mapping is refused naming the flag and the problem', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dingbridge-cli-')), 'mapping.json');
    writeFileSync(path, JSON.stringify({ displayName: { source: 'name' } }));
    const result = await runCli([...ADD, '--mapping-file', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--mapping-file.*username must be mapped/s);
  });
});
