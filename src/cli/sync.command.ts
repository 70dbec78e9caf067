/**
 * `dingbridge sync <bindingId> [--dry-run] [--wait]`: starts a full sync of one binding. With `--wait` it follows
 * the run to its end (running it in this process when no server does) and exits 0 only when it succeeded.
 *
 * @example
 * dingbridge sync 0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13 --dry-run --wait
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { RunView } from '../sync/sync-run-contract.ts';
import { CommandFailed, type CliContext } from './cli-context.ts';
import { keyValues, writeJson } from './cli-output.ts';
import { uuid } from './cli-parsers.ts';
import { allOps, describeOpChanges, describeRun, isTerminal, nextSteps, progressLine, runSummary } from './run-output.ts';

interface SyncFlags {
  dryRun?: boolean;
  wait?: boolean;
  json?: boolean;
}

export function registerSyncCommand(program: Command, context: CliContext): void {
  const { io } = context;
  program
    .command('sync')
    .description('Start a full sync of a binding (crawl → diff → plan → guard → apply).')
    .argument('<bindingId>', 'binding id', uuid)
    .option('--dry-run', 'plan only: show what would change, write nothing')
    .option('--wait', 'follow the run to its end; exit 1 unless it succeeded')
    .option('--json', 'print the run (with --wait: its summary) as JSON')
    .action(async (bindingId: string, flags: SyncFlags, command: Command) => {
      const dryRun = flags.dryRun === true;
      await context.withConnection(command, async (connection) => {
        // Without a server nobody else would pick the job up, so this process works it.
        if (flags.wait && connection.mode === 'direct') await connection.startWorkers();
        let run = await connection.api.runs.start(bindingId, { dryRun });
        if (!flags.wait) {
          if (connection.mode === 'direct' && connection.database === 'pglite') {
            io.stderr.write(`dingbridge: run ${run.id} is queued; it starts when \`dingbridge serve\` runs (or sync again with --wait to run it here).\n`);
          }
          if (flags.json) writeJson(io.stdout, run);
          else io.stdout.write(describeRun(run));
          return;
        }
        // Progress goes to stderr only, so it never mixes with the --json document on stdout.
        const showProgress = io.stderr.isTTY === true;
        while (!isTerminal(run)) {
          if (showProgress) io.stderr.write(`\r\x1b[K${progressLine(run)}`);
          await sleep(context.pollIntervalMs);
          run = await connection.api.runs.show(run.id);
        }
        if (showProgress) io.stderr.write(`\r\x1b[K${progressLine(run)}\n`);
        if (flags.json) {
          writeJson(io.stdout, runSummary(run));
        } else {
          io.stdout.write(summaryText(run));
          if (dryRun) io.stdout.write(`\nPlan:\n${describeOpChanges(await allOps(connection.api, run.id))}`);
          io.stderr.write(nextSteps(run));
        }
        if (run.status !== 'succeeded') throw new CommandFailed(1);
      });
    });
}

function summaryText(run: RunView): string {
  const summary = runSummary(run);
  const apiCalls = run.apiCalls;
  return keyValues({
    ...summary,
    apiCalls: `${apiCalls.total} (${Object.entries(apiCalls.byApi).map(([api, n]) => `${api} ${n}`).join(', ') || 'none'})`,
    counts: Object.entries(run.counts.ops ?? {}).filter(([, n]) => n > 0).map(([kind, n]) => `${kind} ${n}`).join(', ') || '-',
    ...(run.error === null ? {} : { error: `${run.error.message} [${run.error.code}]` }),
  });
}
