/**
 * Crawl benchmark (issue 2): the client crawls an emulated org at DingTalk's 20 calls/s per API and we compare
 * - the calls made with the minimum the address book allows: one `listsub` per department, one `v2/user/list`
 *   page per 100 direct members (at least one per department), plus the token;
 * - the wall time with the rate-limit bound max(calls per API) / QPS (DESIGN.md "Sync, in numbers").
 */
import { createDingTalkClient } from '../src/dingtalk/index.ts';
import { addressBookSourceOf, crawlAddressBook } from '../src/sync/index.ts';
import { peakRssOf, startEmulatorProcess } from './emulator-process.ts';
import { boundSecondsOf, minimumCallsOf } from './minimum-calls.ts';

export interface CrawlBenchResult {
  users: number;
  departments: number;
  qps: number;
  calls: { total: number; byApi: Record<string, number>; throttled: number; retries: number };
  minimum: { listsub: number; userList: number; token: number; total: number };
  wallSeconds: number;
  boundSeconds: number;
  /** Wall time over the rate-limit bound (goal ≤ 1.15). */
  wallOverBound: number;
  /** Calls made over the minimum (goal 1.00). */
  callsOverMinimum: number;
  emulatorThrottled: number;
  peakRssBytes: number;
  /** The emulator: spawn to ready (generating the org), and its peak RSS before the crawl. */
  emulator: { readyMs: number; peakRssBytes: number };
  complete: boolean;
}

export async function runCrawlBench(users: number, qps = 20): Promise<CrawlBenchResult> {
  const emulator = await startEmulatorProcess({ users, qps, seed: `bench-${users}` });
  try {
    const emulatorPeak = await peakRssOf(emulator.pid); // before /_emulator/org, whose dump is a test aid
    const { users: userCount, departments, ...minimum } = await minimumCallsOf(emulator.url);
    await fetch(`${emulator.url}/_emulator/calls`, { method: 'DELETE' });

    const client = createDingTalkClient({
      credentials: { appKey: emulator.appKey, appSecret: emulator.appSecret },
      apiBase: emulator.url,
      rateLimit: { qps },
    });
    const started = performance.now();
    const snapshot = await crawlAddressBook(addressBookSourceOf(client));
    const wallSeconds = (performance.now() - started) / 1000;
    const stats = client.stats();
    const emulatorCalls = (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as { throttled: number };

    const boundSeconds = boundSecondsOf(stats.byApi, qps);
    if (snapshot.users.size !== userCount || snapshot.departments.size !== departments) {
      throw new Error(`crawl incomplete: ${snapshot.users.size}/${userCount} users, ${snapshot.departments.size}/${departments} departments`);
    }
    return {
      users: userCount,
      departments,
      qps,
      calls: { total: stats.total, byApi: stats.byApi, throttled: stats.throttled, retries: stats.retries },
      minimum,
      wallSeconds,
      boundSeconds,
      wallOverBound: wallSeconds / boundSeconds,
      callsOverMinimum: stats.total / minimum.total,
      emulatorThrottled: emulatorCalls.throttled,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      emulator: { readyMs: emulator.readyMs, peakRssBytes: emulatorPeak },
      complete: snapshot.complete,
    };
  } finally {
    await emulator.close();
  }
}
