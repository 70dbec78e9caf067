/**
 * `npm run bench`: runs every benchmark one after another and prints Markdown tables of ratios (what the README
 * reports) plus the raw figures as JSON in bench/results/latest.json. Sync benchmarks run each in a child process
 * of their own, so that each peak RSS is its own.
 *
 * `npm run bench -- crawl-10k sync-10k` runs only the named benchmarks.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { runCrawlBench } from './crawl.bench.ts';
import { runEventsBench } from './events.bench.ts';
import { runOutboundBench } from './outbound.bench.ts';
import { runSyncBenchInChild } from './sync.bench.ts';

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const ratio = (a: number, b: number, unit = ''): string => `${a.toFixed(unit ? 1 : 0)}${unit} / ${b.toFixed(unit ? 1 : 0)}${unit} = ${(a / b).toFixed(3)}`;

const crawlRows: string[] = [
  '| benchmark | people | depts | calls / minimum | wall / bound | throttled | crawler peak RSS | emulator ready | emulator RSS |',
  '|---|---|---|---|---|---|---|---|---|',
];
const syncRows: string[] = [
  '| benchmark | people | depts | calls / minimum | crawl / bound | whole run / bound | applied | peak RSS | no-change re-sync: applied, rows written, calls, wall |',
  '|---|---|---|---|---|---|---|---|---|',
];

const eventsRows: string[] = [
  '| benchmark | measure | samples | p50 | p99 / goal | max |',
  '|---|---|---|---|---|---|',
];

const outboundRows: string[] = [
  '| benchmark | accounts | units | calls (by API) | wall / bound | throttled | failed |',
  '|---|---|---|---|---|---|---|',
];

const benches: Record<string, () => Promise<unknown>> = {
  'crawl-10k': async () => crawlRow('crawl-10k', await runCrawlBench(10_000)),
  'crawl-100k': async () => crawlRow('crawl-100k', await runCrawlBench(100_000)),
  'sync-10k': async () => syncRow('sync-10k', await runSyncBenchInChild(10_000)),
  'sync-100k': async () => syncRow('sync-100k', await runSyncBenchInChild(100_000)),
  events: async () => eventsRow('events', await runEventsBench()),
  'outbound-5k': async () => {
    const r = await runOutboundBench(5_000, 250);
    outboundRows.push(`| outbound-5k | ${r.accounts} | ${r.units} | ${r.calls.total} (${Object.entries(r.calls.byApi).map(([api, n]) => `${api.split('/').slice(-2).join('/')} ${n}`).join(', ')}) | ${ratio(r.wallSeconds, r.boundSeconds, ' s')} | ${r.calls.throttled} | ${r.failed} |`);
    return r;
  },
};

function crawlRow<T extends Awaited<ReturnType<typeof runCrawlBench>>>(name: string, r: T): T {
  crawlRows.push(
    `| ${name} | ${r.users} | ${r.departments} | ${ratio(r.calls.total, r.minimum.total)} | ` +
      `${ratio(r.wallSeconds, r.boundSeconds, ' s')} | ${r.calls.throttled} | ` +
      `${mib(r.peakRssBytes)} | ${(r.emulator.readyMs / 1000).toFixed(2)} s | ${mib(r.emulator.peakRssBytes)} |`,
  );
  return r;
}

function syncRow<T extends Awaited<ReturnType<typeof runSyncBenchInChild>>>(name: string, r: T): T {
  syncRows.push(
    `| ${name} | ${r.users} | ${r.departments} | ${ratio(r.first.calls.total, r.minimum.total)} | ` +
      `${ratio(r.crawlSeconds, r.boundSeconds, ' s')} | ${ratio(r.first.wallSeconds, r.boundSeconds, ' s')} | ${r.first.applied} | ` +
      `${mib(r.peakRssBytes)} | ${r.resync.applied}, ${r.resync.rowsWritten}, ${r.resync.calls}, ${r.resync.wallSeconds.toFixed(1)} s |`,
  );
  return r;
}

function eventsRow<T extends Awaited<ReturnType<typeof runEventsBench>>>(name: string, r: T): T {
  const a = r.callbackAnswer;
  const b = r.changeToDirectory;
  eventsRows.push(
    `| ${name} | callback answer, ${a.ratePerSecond}/s for ${a.seconds} s (${a.non200} not 200) | ${a.count} | ${a.p50Ms.toFixed(1)} ms | ${ratio(a.p99Ms, a.goalP99Ms, ' ms')} | ${a.maxMs.toFixed(0)} ms |`,
    `| ${name} | change → directory (${b.renames} renames, ${b.creates} creates; ${b.pollMs} ms poll) | ${b.count} | ${b.p50Ms.toFixed(0)} ms | ${ratio(b.p99Ms, b.goalP99Ms, ' ms')} | ${b.maxMs.toFixed(0)} ms |`,
  );
  return r;
}

const only = process.argv.slice(2);
const results: Record<string, unknown> = {};
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.error(`bench: ${name} …`);
  results[name] = await run();
}
if (crawlRows.length > 2) console.log(`${crawlRows.join('\n')}\n`);
if (syncRows.length > 2) console.log(syncRows.join('\n'));
if (eventsRows.length > 2) console.log(`\n${eventsRows.join('\n')}`);
if (outboundRows.length > 2) console.log(`\n${outboundRows.join('\n')}`);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/latest.json', import.meta.url), `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
