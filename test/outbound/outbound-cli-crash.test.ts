/**
 * Issue 7's "done when", end to end with real processes: `dingbridge serve` spawned on its own DATA_DIR, the CLI
 * spawned for every step, the emulator in this process. A binding added with `--outbound on` and synced; a unit and
 * an account added with `dingbridge units add` / `accounts add` appear in the emulator's DingTalk with the right
 * parent and fields, and `dingbridge outbound log` shows the deliveries. Then the server dies (SIGKILL) between the
 * local change and its delivery — once with the create in flight at DingTalk (the emulator holds it 3 s, so it lands
 * after the death), once with DingTalk failing the create (the row waits, backed off) — and after a restart on the
 * same DATA_DIR each person exists in DingTalk exactly once.
 *
 * On PGlite the CLI goes through the server (its `server.json`); on PostgreSQL (`TEST_DATABASE_URL`) the CLI opens
 * the database directly, as `connect` does when DATABASE_URL is set, and the server's worker delivers. Waits poll.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dingTalkUserId, outboundLogSchema, type OutboundLog } from '../../src/outbound/index.ts';
import { runDingbridge, startServe, until, type ServeProcess } from '../support/dingbridge-process.ts';
import { useEmulator } from '../support/emulator.ts';
import { createScratchPostgresDatabase, testDatabaseKinds, type ScratchDatabase } from '../support/test-database.ts';


interface Org {
  departments: { dept_id: number; name: string; parent_id: number | null }[];
  users: { userid: string; name: string; mobile: string; email?: string; title?: string; depts: { dept_id: number; main: boolean }[] }[];
}


describe.each(testDatabaseKinds)('outbound provisioning through the CLI and `dingbridge serve` (%s)', (kind) => {
  const emulator = useEmulator({ seed: `outbound-cli-${kind}`, users: 20, qps: 0, pushDelayScale: 0.01 });
  let dataDir: string;
  let scratch: ScratchDatabase | undefined;
  let server: ServeProcess | undefined;
  let bindingId: string;
  let rdUnit: string;
  let rdDept: number;

  // On PostgreSQL every process must decrypt the same secrets, so they share a key (as replicas would).
  const secretKey = randomBytes(32).toString('base64');
  const env = () => ({
    ...process.env,
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: scratch?.url ?? '',
    ...(scratch === undefined ? {} : { DINGBRIDGE_SECRET_KEY: secretKey }),
  });

  async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    const { code, stdout, stderr } = await runDingbridge(args, env());
    if (code !== 0) throw new Error(`dingbridge ${args.join(' ')} exited ${String(code)}:\n${stdout}\n${stderr}`);
    return { stdout, stderr };
  }
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse((await cli(...args, '--json')).stdout) as T;
  const log = async (): Promise<OutboundLog> => outboundLogSchema.parse(await json('outbound', 'log', bindingId));
  const org = () => emulator.control<Org>('GET', '/org');
  const createCalls = async () => (await emulator.control<{ byApi: Record<string, number> }>('GET', '/calls')).byApi['topapi/v2/user/create'] ?? 0;

  async function startServer(): Promise<void> {
    server = await startServe(env(), dataDir);
  }
  async function killServer(): Promise<void> {
    const child = server!.child;
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Adds an account in the R&D unit through the CLI; answers its id. */
  async function addAccount(username: string, displayName: string, mobile: string): Promise<string> {
    const account = await json<{ id: string }>('accounts', 'add', '--username', username, '--display-name', displayName, '--mobile', mobile, '--unit', rdUnit);
    return account.id;
  }
  /** After the restart: the person shows in DingTalk, its delivery is logged, nothing waits; then counts by name. */
  async function deliveredOnce(accountId: string, displayName: string, timeoutMs = 20_000): Promise<void> {
    await until(async () => (await org()).users.some((u) => u.name === displayName), `${displayName} in DingTalk after the restart`);
    await until(async () => {
      const now = await log();
      const delivered = now.entries.some((e) => e.objectId === accountId && e.status === 'delivered');
      return delivered && now.outbox.pending === 0 && now.outbox.failed === 0;
    }, `the delivery of ${displayName} logged and the outbox empty`, timeoutMs).catch(async (error: unknown) => {
      console.log('the outbound log at the time-out:', JSON.stringify(await log(), null, 1), '\nserve wrote:', server?.output());
      throw error;
    });
    const users = (await org()).users.filter((u) => u.name === displayName);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ userid: dingTalkUserId(accountId), depts: [{ dept_id: rdDept, main: true }] });
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `dingbridge-outbound-cli-${kind}-`));
    if (kind === 'postgres') scratch = await createScratchPostgresDatabase();
    await startServer();
  }, 60_000);
  afterAll(async () => {
    await killServer().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    await scratch?.drop();
  });

  it('a unit and an account added through the CLI appear in DingTalk with their parent and fields; the log shows them', async () => {
    const binding = await json<{ id: string; targetUnitId: string; outbound: { enabled: boolean } }>(
      'bindings', 'add', '--name', 'Outbound CLI corp', '--corp-id', emulator.corpId, '--app-key', emulator.appKey,
      '--app-secret', emulator.appSecret, '--api-base', emulator.url, '--outbound', 'on',
    );
    bindingId = binding.id;
    expect(binding.outbound.enabled).toBe(true);
    expect((await json<{ status: string }>('sync', bindingId, '--wait')).status).toBe('succeeded');
    expect((await cli('bindings', 'show', bindingId)).stdout).toMatch(/^outbound: +on \(units: the whole target unit; /m);

    rdUnit = (await json<{ id: string }>('units', 'add', '--name', 'CLI 研发部', '--parent', binding.targetUnitId)).id;
    const account = await json<{ id: string }>(
      'accounts', 'add', '--username', 'cli.wang', '--display-name', '王 命令', '--mobile', '+86 13912345001',
      '--email', 'cli.wang@example.com', '--title', 'Engineer', '--unit', rdUnit,
    );

    const snapshot = await until(async () => {
      const now = await org();
      return now.users.some((u) => u.userid === dingTalkUserId(account.id)) ? now : undefined;
    }, 'the unit and the account in DingTalk');
    const dept = snapshot.departments.find((d) => d.name === 'CLI 研发部');
    expect(dept?.parent_id).toBe(1);
    rdDept = dept!.dept_id;
    expect(snapshot.users.find((u) => u.userid === dingTalkUserId(account.id))).toMatchObject({
      name: '王 命令',
      mobile: '13912345001',
      email: 'cli.wang@example.com',
      title: 'Engineer',
      depts: [{ dept_id: rdDept, main: true }],
    });

    const delivered = await until(async () => {
      const now = await log();
      return now.entries.length >= 2 && now.outbox.pending === 0 ? now : undefined;
    }, 'both deliveries in the log');
    expect(delivered.entries.map((e) => `${e.objectKind}:${e.operation}:${e.status}:${e.externalId}`).reverse()).toEqual([
      `unit:create:delivered:${rdDept}`,
      `account:create:delivered:${dingTalkUserId(account.id)}`,
    ]);
    const human = (await cli('outbound', 'log', bindingId)).stdout;
    expect(human).toMatch(new RegExp(`account ${account.id} +create +delivered +${dingTalkUserId(account.id)} +1`));
    expect(human).toContain('Outbox: 0 pending, 0 failed.');
    expect((await cli('outbound', 'push-all', bindingId, '--dry-run')).stdout).toBe(
      'Nothing to push: everything in the outbound scope is in DingTalk already.\n',
    );
  }, 60_000);

  it('killed while DingTalk refuses the create (the row waits, backed off): after a restart the person exists once', async () => {
    await emulator.control('PUT', '/faults', { errorRate: 1, apis: ['topapi/v2/user/create'] });
    try {
      const id = await addAccount('cli.crash2', '崩溃 二号', '13912345003');
      await until(async () => (await log()).entries.some((e) => e.objectId === id && e.status === 'retrying'), 'a failed attempt in the log');
      expect((await org()).users.some((u) => u.name === '崩溃 二号')).toBe(false);
      await killServer();
      await emulator.control('DELETE', '/faults');
      await startServer();
      await deliveredOnce(id, '崩溃 二号');
    } finally {
      await emulator.control('DELETE', '/faults');
    }
  }, 60_000);
  // The in-flight case needs the dead server's claim on the row to end. On PGlite (one process) the restart
  // releases its leases, but the dead process's `outbound-push` job stays active and holds the binding's stately
  // slot until pg-boss fails it for a missed heartbeat (60 s): measured ~60 s from restart to delivery. On
  // PostgreSQL the row's lease (300 s) must run out too, as another replica may still be alive, so it is left to PGlite.
  it.skipIf(kind === 'postgres')('killed while DingTalk is still answering the create: after a restart the person exists once', async () => {
    const before = await createCalls();
    await emulator.control('PUT', '/faults', { latencyMs: 3000, apis: ['topapi/v2/user/create'] });
    try {
      const id = await addAccount('cli.crash1', '崩溃 一号', '13912345002');
      // The create reached DingTalk (counted on arrival) and is held there: the server dies before it can have an answer.
      await until(async () => (await createCalls()) > before, 'the create to reach DingTalk');
      await killServer();
      await emulator.control('DELETE', '/faults');
      await startServer();
      await deliveredOnce(id, '崩溃 一号', 100_000);
    } finally {
      await emulator.control('DELETE', '/faults');
    }
  }, 150_000);

});
