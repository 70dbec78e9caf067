/**
 * Full sync benchmark (issue 4): Dingbridge as `dingbridge serve` builds it — embedded PGlite in a fresh DATA_DIR,
 * the composition root's services — syncs an emulated organization at DingTalk's 20 calls/s per API, then syncs it
 * again with nothing changed. Reports:
 * - calls of the first sync against the minimum (one listsub per department, one user page per 100 direct
 *   members, the token; goal: equal);
 * - the crawl's wall time against the rate-limit bound max(calls per API)/QPS (goal ≤ 1.15), and the whole run's;
 * - the peak RSS of this process (goal < 1 GiB at 100,000 people) — each sync benchmark runs in its own process
 *   (`runSyncBenchInChild`), so no earlier benchmark's peak is counted;
 * - rows the no-change re-sync wrote in the directory tables (goal 0), counted by transaction id (`xmin`), not
 *   taken from the run's own report.
 *
 * `node bench/sync.bench.ts 10000` runs one and prints its result as JSON.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { openDingbridge, type Dingbridge } from '../src/app.ts';
import { loadConfig } from '../src/config/index.ts';
import type { Database } from '../src/db/index.ts';
import type { RunView } from '../src/sync/index.ts';
import { peakRssOf, startEmulatorProcess } from './emulator-process.ts';
import { boundSecondsOf, minimumCallsOf, type MinimumCalls } from './minimum-calls.ts';

export interface SyncBenchResult {
  users: number;
  departments: number;
  qps: number;
  minimum: MinimumCalls;
  first: { status: string; applied: number; failed: number; calls: RunView['apiCalls']; wallSeconds: number; steps: Record<string, number> };
  callsOverMinimum: number;
  crawlSeconds: number;
  boundSeconds: number;
  /** Crawl wall time over the rate-limit bound (goal ≤ 1.15). */
  crawlOverBound: number;
  /** The whole first run (crawl, load, plan, guard, apply) over the bound. */
  runOverBound: number;
  resync: { status: string; applied: number; calls: number; wallSeconds: number; rowsWritten: number };
  peakRssBytes: number;
  emulator: { readyMs: number; peakRssBytes: number };
}

const DIRECTORY_TABLES = ['units', 'accounts', 'memberships', 'external_identities'] as const;

export async function runSyncBench(users: number, qps = 20): Promise<SyncBenchResult> {
  const emulator = await startEmulatorProcess({ users, qps, seed: `bench-${users}` });
  const dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-bench-'));
  try {
    const emulatorPeak = await peakRssOf(emulator.pid);
    const minimum = await minimumCallsOf(emulator.url);
    const config = loadConfig({ DATA_DIR: dataDir, DINGTALK_QPS: String(qps), LOG_LEVEL: 'warn' }, { onWarning: () => {} });
    const app = await openDingbridge(config, { logger: pino({ level: 'warn' }, pino.destination(2)), role: 'cli' });
    try {
      const binding = await app.api.bindings.add({
        name: `Bench ${users}`,
        corpId: emulator.corpId,
        appKey: emulator.appKey,
        appSecret: emulator.appSecret,
        apiBase: emulator.url,
      });
      // Adding a binding verified its credentials (token + corp check); the crawl starts from fresh counters.
      await fetch(`${emulator.url}/_emulator/calls`, { method: 'DELETE' });

      await app.startWorkers();
      const firstStart = performance.now();
      const first = await untilEnded(app, (await app.api.runs.start(binding.id)).id);
      const firstSeconds = (performance.now() - firstStart) / 1000;
      const firstSteps: Record<string, number> = { ...first.stepSeconds };
      if (first.status !== 'succeeded') throw new Error(`first sync ended ${first.status}: ${JSON.stringify(first.error)}`);

      const db = app.database.db;
      const { rows } = await sql<{ txid: string }>`select txid_current()::text as txid`.execute(db);
      const before = BigInt(rows[0]!.txid);
      const countsBefore = await rowCounts(app.database.db);
      const resyncStart = performance.now();
      const resync = await untilEnded(app, (await app.api.runs.start(binding.id)).id);
      const resyncSeconds = (performance.now() - resyncStart) / 1000;
      let rowsWritten = 0;
      for (const table of DIRECTORY_TABLES) {
        const written = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where xmin::text::bigint > ${before.toString()}::bigint`.execute(db);
        rowsWritten += written.rows[0]!.n;
      }
      const countsAfter = await rowCounts(app.database.db);
      rowsWritten += DIRECTORY_TABLES.reduce((sum, t) => sum + Math.abs(countsAfter[t] - countsBefore[t]), 0);

      const boundSeconds = boundSecondsOf(first.apiCalls.byApi, qps);
      const crawlSeconds = firstSteps.crawl ?? Number.NaN;
      return {
        users: minimum.users,
        departments: minimum.departments,
        qps,
        minimum,
        first: { status: first.status, applied: first.applied, failed: first.failed, calls: first.apiCalls, wallSeconds: firstSeconds, steps: firstSteps },
        callsOverMinimum: first.apiCalls.total / minimum.total,
        crawlSeconds,
        boundSeconds,
        crawlOverBound: crawlSeconds / boundSeconds,
        runOverBound: firstSeconds / boundSeconds,
        resync: { status: resync.status, applied: resync.applied, calls: resync.apiCalls.total, wallSeconds: resyncSeconds, rowsWritten },
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        emulator: { readyMs: emulator.readyMs, peakRssBytes: emulatorPeak },
      };
    } finally {
      await app.close();
    }
  } finally {
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function rowCounts(db: Kysely<Database>): Promise<Record<(typeof DIRECTORY_TABLES)[number], number>> {
  const counts = {} as Record<(typeof DIRECTORY_TABLES)[number], number>;
  for (const table of DIRECTORY_TABLES) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
    counts[table] = rows[0]!.n;
  }
  return counts;
}

/** Waits for the worker to end a run, as `dingbridge sync --wait` does (it polls the run too). */
async function untilEnded(app: Dingbridge, id: string): Promise<RunView> {
  for (;;) {
    const run = await app.api.runs.show(id);
    if (run.status !== 'queued' && run.status !== 'running') return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs one sync benchmark in a child process (its own heap and peak RSS) and returns its result. */
export async function runSyncBenchInChild(users: number, qps = 20): Promise<SyncBenchResult> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), String(users), String(qps)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`sync bench for ${users} people exited with code ${String(code)}`);
  return JSON.parse(out) as SyncBenchResult;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const users = Number(process.argv[2] ?? 10_000);
  const qps = Number(process.argv[3] ?? 20);
  process.stdout.write(`${JSON.stringify(await runSyncBench(users, qps))}\n`);
}
