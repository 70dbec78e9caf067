/**
 * The admin commands in-process over an in-memory DingbridgeApi: `--json` output checked against the contract
 * schemas, human output, secrets from stdin and the environment, confirmation, exit codes of runs and checks.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bindingCheckReportSchema, bindingRemovalSchema, bindingViewSchema, type BindingView } from '../../src/bindings/binding-contract.ts';
import { directoryExportSchema } from '../../src/directory/directory-contract.ts';
import { runOpViewSchema, runViewSchema } from '../../src/sync/sync-run-contract.ts';
import { connectTo, runCli } from './cli-harness.ts';
import { createInMemoryApi, DIRECTORY, type InMemoryState } from './in-memory-api.ts';

const ADD = ['bindings', 'add', '--name', 'Acme', '--corp-id', 'dingacme', '--app-key', 'key'];
const MISSING = '0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13';

let state: InMemoryState;
let connection: ReturnType<typeof connectTo>;

beforeEach(() => {
  const memory = createInMemoryApi();
  state = memory.state;
  connection = connectTo(memory.api);
});

async function addBinding(extra: string[] = []): Promise<BindingView> {
  const result = await runCli([...ADD, '--app-secret', 's3cret', '--json', ...extra], { connect: connection.connect });
  expect(result.code).toBe(0);
  return bindingViewSchema.parse(result.json());
}

describe('bindings', () => {
  it('add --json prints the binding with its id and settings, never the secret', async () => {
    const result = await runCli(
      [...ADD, '--app-secret', 's3cret', '--json', '--api-base', 'http://127.0.0.1:9090', '--agent-id', '123', '--scope', '42,7:only',
        '--max-deletes', '10', '--max-delete-percent', '5', '--delete-after-days', '30', '--matching', 'mobile,jobNumber', '--no-verify'],
      { connect: connection.connect },
    );
    expect(result.code).toBe(0);
    const view = bindingViewSchema.parse(result.json());
    expect(view).toMatchObject({
      name: 'Acme',
      corpId: 'dingacme',
      agentId: '123',
      appSecretSet: true,
      scope: { kind: 'departments', departments: [{ deptId: 42, subtree: true }, { deptId: 7, subtree: false }] },
      thresholds: { maxDeletes: 10, maxDeletePercent: 5 },
      leaverPolicy: { deleteAfterDays: 30 },
      matching: ['mobile', 'job_number'],
    });
    expect(result.stdout).not.toContain('s3cret');
    expect(state.verifyCalls).toEqual([false]);
    expect(connection.calls).toMatchObject({ connects: 1, closes: 1 });
  });

  it('add --app-secret - reads the secret from stdin (line ending dropped); DINGBRIDGE_APP_SECRET is the fallback', async () => {
    const fromStdin = await runCli([...ADD, '--app-secret', '-'], { connect: connection.connect, stdin: 'from-stdin\n' });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toMatch(/^Added binding [0-9a-f-]{36}\.\n/);
    expect(fromStdin.stdout).toMatch(/appSecret: +set \(never shown\)/);
    const fromEnv = await runCli(['bindings', 'add', '--name', 'B', '--corp-id', 'dingb', '--app-key', 'k'], {
      connect: connection.connect,
      env: { DINGBRIDGE_APP_SECRET: 'from-env' },
    });
    expect(fromEnv.code).toBe(0);
    expect(state.secrets).toEqual(['from-stdin', 'from-env']);
    expect(state.verifyCalls).toEqual([true, true]);
  });

  it('list, show and update print tables and key: value lines; --json parses with the contract', async () => {
    const view = await addBinding(['--max-deletes', '10', '--max-delete-percent', '5']);
    const list = await runCli(['bindings', 'list', '--json'], { connect: connection.connect });
    expect(z.object({ items: z.array(bindingViewSchema) }).parse(list.json()).items.map((b) => b.id)).toEqual([view.id]);
    const table = await runCli(['bindings', 'list'], { connect: connection.connect });
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +NAME +CORPID +APPKEY +SCOPE +APIBASE$/);
    expect(table.stdout).toContain(view.id);
    const show = await runCli(['bindings', 'show', view.id], { connect: connection.connect });
    expect(show.stdout).toMatch(/^id: +[0-9a-f-]{36}$/m);
    expect(show.stdout).toMatch(/^corpId: +dingacme$/m);

    const update = await runCli(['bindings', 'update', view.id, '--max-deletes', '3', '--no-api-base', '--json'], { connect: connection.connect });
    expect(update.code).toBe(0);
    // The percentage set before is kept: one threshold flag is merged into the stored pair.
    expect(bindingViewSchema.parse(update.json())).toMatchObject({ thresholds: { maxDeletes: 3, maxDeletePercent: 5 }, apiBase: null });
  });

  it('remove asks on a terminal, refuses without --yes off a terminal, removes with --yes', async () => {
    const view = await addBinding();
    const refused = await runCli(['bindings', 'remove', view.id], { connect: connection.connect });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const declined = await runCli(['bindings', 'remove', view.id], { connect: connection.connect, stdinIsTTY: true, stderrIsTTY: true, stdin: 'n\n' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(/Remove binding "Acme".*Nothing removed/s);
    expect(state.bindings.has(view.id)).toBe(true);
    const removed = await runCli(['bindings', 'remove', view.id, '--yes', '--json'], { connect: connection.connect });
    expect(removed.code).toBe(0);
    expect(bindingRemovalSchema.parse(removed.json())).toEqual({ id: view.id, unlinkedAccounts: 3, unlinkedUnits: 1 });
  });

  it('check prints status, key, message and hint, and exits 1 when something is missing', async () => {
    const view = await addBinding();
    const ok = await runCli(['bindings', 'check', view.id, '--json'], { connect: connection.connect });
    expect(ok.code).toBe(0);
    expect(bindingCheckReportSchema.parse(ok.json()).ok).toBe(true);
    state.checkOk = false;
    const missing = await runCli(['bindings', 'check', view.id], { connect: connection.connect });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^STATUS +KEY +MESSAGE +HINT$/m);
    expect(missing.stdout).toMatch(/^missing +permission:qyapi_get_member +Members cannot be read\. +Request 成员信息读权限/m);
  });

  it('an unknown id is the API\'s not_found: exit 1, and {error} on stdout with --json', async () => {
    const human = await runCli(['bindings', 'show', MISSING], { connect: connection.connect });
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/No binding with id .* \[binding\.not_found\]/);
    const json = await runCli(['bindings', 'show', MISSING, '--json'], { connect: connection.connect });
    expect(json.code).toBe(1);
    expect(json.json()).toEqual({ error: { code: 'binding.not_found', message: expect.stringContaining(MISSING), details: { id: MISSING } } });
  });

  it('a conflict from the API exits 1 (409), an invalid binding from the API exits 2 (400)', async () => {
    await addBinding();
    const taken = await runCli([...ADD, '--app-secret', 'x'], { connect: connection.connect });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/binding\.corp_id_taken/);
  });
});

describe('sync', () => {
  const SUMMARY_KEYS = ['id', 'status', 'dryRun', 'applied', 'failed', 'skipped', 'apiCalls', 'counts', 'startedAt', 'endedAt'];

  it('--wait --json prints exactly the summary keys and exits 0 for a success; direct mode runs the workers here', async () => {
    const memory = createInMemoryApi();
    const direct = connectTo(memory.api, 'direct', 'pglite');
    const add = await runCli([...ADD, '--app-secret', 'x', '--json'], { connect: direct.connect });
    const { id } = bindingViewSchema.parse(add.json());
    const result = await runCli(['sync', id, '--wait', '--json'], { connect: direct.connect });
    expect(result.code).toBe(0);
    const summary = result.json() as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(SUMMARY_KEYS);
    expect(Object.keys(summary.apiCalls as object)).toEqual(['total', 'byApi']);
    expect(summary).toMatchObject({ status: 'succeeded', applied: 2, dryRun: false });
    expect(direct.calls.startWorkers).toBe(1);
    expect(result.stderr).toBe('');
  });

  it('a held run exits 1 with its guard in the summary and says how to approve', async () => {
    const view = await addBinding();
    state.nextOutcome = 'held';
    const json = await runCli(['sync', view.id, '--wait', '--json'], { connect: connection.connect });
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ status: 'held', guard: { verdict: 'hold' } });
    expect(Object.keys(json.json() as object)).toEqual([...SUMMARY_KEYS, 'guard']);
    expect(connection.calls.startWorkers).toBe(0);
    state.nextOutcome = 'held';
    const human = await runCli(['sync', view.id, '--wait'], { connect: connection.connect });
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/dingbridge runs show [0-9a-f-]{36} --ops.*dingbridge runs approve/s);
  });

  it('failed and partial runs exit 1, the failure with its error', async () => {
    const view = await addBinding();
    state.nextOutcome = 'failed';
    const failed = await runCli(['sync', view.id, '--wait', '--json'], { connect: connection.connect });
    expect(failed.code).toBe(1);
    expect(failed.json()).toMatchObject({ status: 'failed', error: { code: 'dingtalk.permission_denied' } });
    state.nextOutcome = 'partial';
    const partial = await runCli(['sync', view.id, '--wait'], { connect: connection.connect });
    expect(partial.code).toBe(1);
    expect(partial.stdout).toMatch(/^status: +partial$/m);
    expect(partial.stderr).toMatch(/--status failed/);
  });

  it('a dry run, once ended, prints the plan field by field; progress goes to a terminal stderr', async () => {
    const view = await addBinding();
    const result = await runCli(['sync', view.id, '--dry-run', '--wait'], { connect: connection.connect, stderrIsTTY: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^dryRun: +true$/m);
    expect(result.stdout).toContain('#1 account.create u1 (planned)\n    username:    - → zhang.san\n    displayName: - → 张三\n');
    // Unchanged fields are left out.
    expect(result.stdout).toContain('#2 account.update u2 (planned)\n    displayName: Li → 李四\n');
    expect(result.stderr).toMatch(/running · crawl · 2 depts, 5 users/);
  });

  it('without --wait prints the queued run; on direct PGlite it warns that `dingbridge serve` will run it', async () => {
    const memory = createInMemoryApi();
    const direct = connectTo(memory.api, 'direct', 'pglite');
    const add = await runCli([...ADD, '--app-secret', 'x', '--json'], { connect: direct.connect });
    const { id } = bindingViewSchema.parse(add.json());
    const result = await runCli(['sync', id, '--json'], { connect: direct.connect });
    expect(result.code).toBe(0);
    expect(runViewSchema.parse(result.json())).toMatchObject({ status: 'queued', bindingId: id });
    expect(result.stderr).toMatch(/starts when `dingbridge serve` runs.*--wait/);
    expect(direct.calls.startWorkers).toBe(0);
  });
});

describe('runs and directory', () => {
  it('runs list, show --ops, approve and reject', async () => {
    const view = await addBinding();
    state.nextOutcome = 'held';
    const sync = await runCli(['sync', view.id, '--wait', '--json'], { connect: connection.connect });
    const runId = (sync.json() as { id: string }).id;

    const list = await runCli(['runs', 'list', '--binding', view.id, '--status', 'held', '--json'], { connect: connection.connect });
    expect(z.object({ items: z.array(runViewSchema) }).parse(list.json()).items.map((r) => r.id)).toEqual([runId]);
    const table = await runCli(['runs', 'list'], { connect: connection.connect });
    expect(table.stdout).toMatch(new RegExp(`^${runId} +${view.id} +full +false +held`, 'm'));

    const show = await runCli(['runs', 'show', runId, '--ops', '--json'], { connect: connection.connect });
    const parsed = z.object({ run: runViewSchema, ops: z.array(runOpViewSchema) }).parse(show.json());
    expect(parsed.ops.map((op) => op.seq)).toEqual([1, 2]);
    const failedOps = await runCli(['runs', 'show', runId, '--status', 'failed'], { connect: connection.connect });
    expect(failedOps.stdout).toMatch(/^2 +account\.update +u2 +failed +username taken$/m);
    expect(failedOps.stdout).not.toMatch(/^\d+ +account\.create/m);

    const approve = await runCli(['runs', 'approve', runId, '--json'], { connect: connection.connect });
    expect(runViewSchema.parse(approve.json()).status).toBe('queued');
    const again = await runCli(['runs', 'reject', runId], { connect: connection.connect });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\[run\.not_held\]/);
  });

  it('directory export: the DirectoryExport with --json, a unit tree with member counts without', async () => {
    const json = await runCli(['directory', 'export', '--json'], { connect: connection.connect });
    expect(directoryExportSchema.parse(json.json())).toEqual(DIRECTORY);
    const tree = await runCli(['directory', 'export'], { connect: connection.connect });
    expect(tree.stdout).toBe('Acme (1 member, dept 1)\n  Sales (2 members, dept 42)\n2 units, 2 accounts.\n');
  });
});
