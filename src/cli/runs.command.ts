/**
 * `dingbridge runs list|show|approve|reject`: sync runs, their per-object results, and the decision on a run the
 * guard held.
 *
 * @example
 * dingbridge runs show 5d0c… --ops --status failed
 * dingbridge runs show 5d0c… --op account.update
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { PLAN_OP_KINDS, type PlanOpKind } from '../sync/index.ts';
import type { RunOpView, RunView } from '../sync/sync-run-contract.ts';
import type { CliContext } from './cli-context.ts';
import { writeJson } from './cli-output.ts';
import { parser, uuid, wholeNumber } from './cli-parsers.ts';
import { allOps, describeRun, nextSteps, opsTable, runsTable } from './run-output.ts';

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed', 'held', 'rejected'] as const;
const OP_STATUSES = ['planned', 'applied', 'failed', 'skipped'] as const;

export function registerRunsCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const runs = program.command('runs').description('Sync runs and their per-object results.');

  runs
    .command('list')
    .description('List runs, newest first.')
    .option('--binding <id>', 'only runs of this binding', uuid)
    .option('--status <status>', `only runs with this status: ${RUN_STATUSES.join(', ')}`, parser(z.enum(RUN_STATUSES), RUN_STATUSES.join(', ')))
    .option('--limit <n>', 'at most n runs (default 50)', wholeNumber(1, 500))
    .option('--json', 'print {items: [...]} as JSON')
    .action(async (flags: { binding?: string; status?: RunView['status']; limit?: number; json?: boolean }, command: Command) => {
      const items = await context.withConnection(command, (connection) =>
        connection.api.runs.list({ bindingId: flags.binding, status: flags.status, limit: flags.limit }),
      );
      if (flags.json) writeJson(io.stdout, { items });
      else if (items.length === 0) io.stdout.write('No runs. Start one with `dingbridge sync <bindingId>`.\n');
      else io.stdout.write(runsTable(items));
    });

  runs
    .command('show')
    .description('Show a run; with --ops, its operations and their results.')
    .argument('<id>', 'run id', uuid)
    .option('--ops', 'list the operations too')
    .option('--status <status>', `only operations with this status (implies --ops): ${OP_STATUSES.join(', ')}`, parser(z.enum(OP_STATUSES), OP_STATUSES.join(', ')))
    .option('--op <kind>', `only operations of this kind (implies --ops): ${PLAN_OP_KINDS.join(', ')}`, parser(z.enum(PLAN_OP_KINDS), PLAN_OP_KINDS.join(', ')))
    .option('--json', 'print the run (with --ops: {run, ops}) as JSON')
    .action(async (id: string, flags: { ops?: boolean; status?: RunOpView['status']; op?: PlanOpKind; json?: boolean }, command: Command) => {
      const withOps = flags.ops === true || flags.status !== undefined || flags.op !== undefined;
      const { run, ops } = await context.withConnection(command, async (connection) => ({
        run: await connection.api.runs.show(id),
        ops: withOps ? await allOps(connection.api, id, { status: flags.status, op: flags.op }) : undefined,
      }));
      if (flags.json) {
        writeJson(io.stdout, ops === undefined ? run : { run, ops });
        return;
      }
      io.stdout.write(describeRun(run));
      if (ops !== undefined) io.stdout.write(ops.length === 0 ? '\nNo operations.\n' : `\n${opsTable(ops)}`);
      io.stderr.write(nextSteps(run));
    });

  for (const [name, description] of [
    ['approve', 'Apply a held run\'s plan as it was planned (it is queued again).'],
    ['reject', 'Discard a held run\'s plan; nothing is written.'],
  ] as const) {
    runs
      .command(name)
      .description(description)
      .argument('<id>', 'run id', uuid)
      .option('--json', 'print the run as JSON')
      .action(async (id: string, flags: { json?: boolean }, command: Command) => {
        const run = await context.withConnection(command, (connection) => connection.api.runs[name](id));
        if (flags.json) writeJson(io.stdout, run);
        else io.stdout.write(describeRun(run));
      });
  }
}
