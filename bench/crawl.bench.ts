/**
 * Crawl benchmark (issue 2): the client crawls an emulated org at DingTalk's 20 calls/s per API and we compare
 * - the calls made with the minimum the address book allows: one `listsub` per department, one `v2/user/list`
 *   page per 100 direct members (at least one per department), plus the token;
 * - the wall time with the rate-limit bound max(calls per API) / QPS (DESIGN.md "Sync, in numbers").
 */
import { createDingTalkClient } from '../src/dingtalk/index.ts';
import { addressBookSourceOf, crawlAddressBook } from '../src/sync/index.ts';
import { peakRssOf, startEmulatorProcess } from './emulator-process.ts';

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

interface EmulatedOrg {
  departments: { dept_id: number }[];
  users: { userid: string; depts: { dept_id: number }[] }[];
}

export async function runCrawlBench(users: number, qps = 20): Promise<CrawlBenchResult> {
  const emulator = await startEmulatorProcess({ users, qps, seed: `bench-${users}` });
  try {
    const emulatorPeak = await peakRssOf(emulator.pid); // before /_emulator/org, whose dump is a test aid
    const org = (await (await fetch(`${emulator.url}/_emulator/org`)).json()) as EmulatedOrg;
    const direct = new Map<number, number>(org.departments.map((d) => [d.dept_id, 0]));
    for (const user of org.users) for (const m of user.depts) direct.set(m.dept_id, (direct.get(m.dept_id) ?? 0) + 1);
    const minimum = { listsub: direct.size, userList: 0, token: 1, total: 0 };
    for (const members of direct.values()) minimum.userList += Math.max(1, Math.ceil(members / 100));
    minimum.total = minimum.listsub + minimum.userList + minimum.token;
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

    const perApi = Object.entries(stats.byApi).filter(([api]) => !api.includes('oauth2') && api !== 'gettoken');
    const boundSeconds = Math.max(...perApi.map(([, n]) => n)) / qps;
    if (snapshot.users.size !== org.users.length || snapshot.departments.size !== org.departments.length) {
      throw new Error(
        `crawl incomplete: ${snapshot.users.size}/${org.users.length} users, ${snapshot.departments.size}/${org.departments.length} departments`,
      );
    }
    return {
      users: org.users.length,
      departments: org.departments.length,
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
