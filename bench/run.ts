/**
 * `npm run bench`: runs every benchmark in one process, one after another, and prints a Markdown table of ratios
 * (what the README reports) plus the raw figures as JSON in bench/results/latest.json.
 *
 * `npm run bench -- crawl-10k` runs only the named benchmarks.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { runCrawlBench, type CrawlBenchResult } from './crawl.bench.ts';

const benches: Record<string, () => Promise<CrawlBenchResult>> = {
  'crawl-10k': () => runCrawlBench(10_000),
  'crawl-100k': () => runCrawlBench(100_000),
};

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const only = process.argv.slice(2);
const results: Record<string, unknown> = {};
const rows: string[] = [
  '| benchmark | people | depts | calls / minimum | wall / bound | throttled | crawler peak RSS | emulator ready | emulator RSS |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.error(`bench: ${name} …`);
  const r = await run();
  results[name] = r;
  rows.push(
    `| ${name} | ${r.users} | ${r.departments} | ${r.calls.total} / ${r.minimum.total} = ${r.callsOverMinimum.toFixed(3)} | ` +
      `${r.wallSeconds.toFixed(1)} s / ${r.boundSeconds.toFixed(1)} s = ${r.wallOverBound.toFixed(3)} | ${r.calls.throttled} | ` +
      `${mib(r.peakRssBytes)} | ${(r.emulator.readyMs / 1000).toFixed(2)} s | ${mib(r.emulator.peakRssBytes)} |`,
  );
}
console.log(rows.join('\n'));
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/latest.json', import.meta.url), `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
