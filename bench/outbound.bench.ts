/**
 * Outbound benchmark (issue 7): "execute addition" of `accounts` local accounts in `units` local units to an
 * emulated org at DingTalk's 20 calls/s per API. Reported: the calls made (by API) and the wall time from the
 * push-all request to an empty outbox, against the rate-limit bound max(writes per API) / QPS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openDingbridge } from '../src/app.ts';
import { loadConfig } from '../src/config/index.ts';
import { startEmulatorProcess } from './emulator-process.ts';

export interface OutboundBenchResult {
  accounts: number;
  units: number;
  qps: number;
  calls: { total: number; byApi: Record<string, number>; throttled: number };
  wallSeconds: number;
  boundSeconds: number;
  failed: number;
}

export async function runOutboundBench(accounts = 5_000, units = 250, qps = 20): Promise<OutboundBenchResult> {
  const emulator = await startEmulatorProcess({ users: 5, qps, seed: 'bench-outbound' });
  const dataDir = mkdtempSync(join(tmpdir(), 'dingbridge-bench-outbound-'));
  const app = await openDingbridge(loadConfig({ DATA_DIR: dataDir, DINGTALK_QPS: String(qps) }, { onWarning: () => {} }), {
    logger: pino({ level: 'silent' }),
    role: 'server',
  });
  try {
    const binding = await app.api.bindings.add({
      name: 'Outbound bench',
      corpId: emulator.corpId,
      appKey: emulator.appKey,
      appSecret: emulator.appSecret,
      apiBase: emulator.url,
      outbound: { enabled: true },
    });
    const db = app.database.db;
    // Units in two levels (a tenth at the top), people spread over them, every fifth one in a second unit.
    const unitIds: string[] = [];
    const top = Math.max(1, Math.floor(units / 10));
    for (let index = 0; index < units; index++) {
      const id = crypto.randomUUID();
      const parent = index < top ? binding.targetUnitId : unitIds[index % top]!;
      await db.insertInto('units').values({ id, name: `Bench unit ${index}`, parent_id: parent, binding_id: null }).execute();
      unitIds.push(id);
    }
    for (let start = 0; start < accounts; start += 1000) {
      const rows = Array.from({ length: Math.min(1000, accounts - start) }, (_, offset) => {
        const index = start + offset;
        return { id: crypto.randomUUID(), username: `bench.${index}`, display_name: `Bench ${index}`, mobile: `147${String(index).padStart(8, '0')}` };
      });
      await db.insertInto('accounts').values(rows).execute();
      await db
        .insertInto('memberships')
        .values(
          rows.flatMap((row, offset) => {
            const index = start + offset;
            const main = { account_id: row.id, unit_id: unitIds[index % units]!, is_main: true };
            return index % 5 === 0 ? [main, { account_id: row.id, unit_id: unitIds[(index + 1) % units]!, is_main: false }] : [main];
          }),
        )
        .execute();
    }
    await fetch(`${emulator.url}/_emulator/calls`, { method: 'DELETE' });
    await app.startWorkers();
    const started = performance.now();
    await app.api.outbound.executeAddition(binding.id);
    for (;;) {
      const pending = await db.selectFrom('outbound_outbox').select('id').where('status', '=', 'pending').limit(1).execute();
      if (pending.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const calls = (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as OutboundBenchResult['calls'];
    const failed = (await db.selectFrom('outbound_outbox').select('id').where('status', '=', 'failed').execute()).length;
    const writes = Object.entries(calls.byApi).filter(([api]) => /\/(create|update|delete)$/.test(api)).map(([, n]) => n);
    return { accounts, units, qps, calls, wallSeconds, boundSeconds: Math.max(...writes) / qps, failed };
  } finally {
    await app.close();
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runOutboundBench(Number(process.argv[2] ?? 5000), Number(process.argv[3] ?? 250));
  console.log(JSON.stringify(result, null, 2));
}
