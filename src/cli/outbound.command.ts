/**
 * `dingbridge outbound log|retry|push-all`: what outbound provisioning delivered to DingTalk for a binding, failed
 * deliveries sent again, and "execute addition" (everything in the outbound scope not in DingTalk yet), previewable
 * with `--dry-run`.
 *
 * @example
 * dingbridge outbound log 0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13 --status failed
 * dingbridge outbound push-all 0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13 --dry-run
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { OUTBOUND_LOG_STATUSES, type OutboundLogStatus } from '../db/index.ts';
import type { ExecuteAdditionResult, OutboundLog, OutboundLogEntry } from '../outbound/outbound-contract.ts';
import type { CliContext } from './cli-context.ts';
import { table, writeJson } from './cli-output.ts';
import { parser, uuid, wholeNumber } from './cli-parsers.ts';

/** Direct mode only queues: the outbound-push worker runs in `dingbridge serve`, which delivers when it runs. */
const DELIVERED_BY_SERVE = 'dingbridge: queued in the database; `dingbridge serve` delivers it (now, if one runs on this database; else when it starts).\n';

const logStatus = parser(z.enum(OUTBOUND_LOG_STATUSES), OUTBOUND_LOG_STATUSES.join(', '));

/** DingTalk's answer in one cell: the errcode and the error's code or message, or nothing for a delivery. */
function answerOf(entry: OutboundLogEntry): string {
  if (entry.errcode === null && (entry.error === null || entry.error === undefined)) return '';
  const error = entry.error as { code?: unknown; message?: unknown } | null;
  const what = typeof error?.code === 'string' ? error.code : typeof error?.message === 'string' ? error.message : '';
  return [entry.errcode === null ? '' : `errcode ${entry.errcode}`, what].filter((part) => part !== '').join(' ');
}

/**
 * The delivery log as a table, newest first, with what is still waiting underneath.
 *
 * @example
 * io.stdout.write(describeLog(await api.outbound.log(bindingId)));
 */
export function describeLog(log: OutboundLog): string {
  const waiting = `Outbox: ${log.outbox.pending} pending, ${log.outbox.failed} failed${log.outbox.failed > 0 ? ' (send them again with `dingbridge outbound retry <bindingId>`)' : ''}.\n`;
  if (log.entries.length === 0) return `No deliveries yet.\n${waiting}`;
  const rows = log.entries.map((entry) => ({
    at: entry.at,
    object: `${entry.objectKind} ${entry.objectId}`,
    operation: entry.operation,
    status: entry.status,
    dingtalk: entry.externalId,
    attempt: entry.attempt,
    answer: answerOf(entry),
  }));
  return `${table(rows, ['at', 'object', 'operation', 'status', 'dingtalk', 'attempt', 'answer'])}${waiting}`;
}

/**
 * What execute addition pushed (or, as a dry run, would push): units parents first, then accounts.
 *
 * @example
 * io.stdout.write(describeAddition(await api.outbound.executeAddition(bindingId, { dryRun: true })));
 */
export function describeAddition(result: ExecuteAdditionResult): string {
  const { units, accounts } = result;
  if (units.length === 0 && accounts.length === 0) return 'Nothing to push: everything in the outbound scope is in DingTalk already.\n';
  const head = result.dryRun
    ? `Dry run: would create ${units.length} unit(s) and ${accounts.length} account(s) in DingTalk (nothing was written).\n`
    : `Queued ${units.length} unit(s) and ${accounts.length} account(s) for DingTalk; follow them with \`dingbridge outbound log\`.\n`;
  const unitRows = units.map((unit) => ({ kind: 'unit', id: unit.id, name: unit.name, depth: unit.depth }));
  const accountRows = accounts.map((account) => ({ kind: 'account', id: account.id, name: `${account.displayName} (${account.username})`, depth: '' }));
  return `${head}${table([...unitRows, ...accountRows], ['kind', 'id', 'name', 'depth'])}`;
}

export function registerOutboundCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const outbound = program.command('outbound').description("Outbound provisioning: a binding's deliveries to DingTalk, retries, and pushing everything in scope.");

  outbound
    .command('log')
    .description('Show the delivery log, newest first (what, when, DingTalk\'s answer).')
    .argument('<bindingId>', 'binding id', uuid)
    .option('--status <status>', `only entries with this status: ${OUTBOUND_LOG_STATUSES.join(', ')}`, logStatus)
    .option('--limit <n>', 'at most n entries (default 100)', wholeNumber(1, 1000))
    .option('--json', 'print {entries, outbox} as JSON')
    .action(async (bindingId: string, flags: { status?: OutboundLogStatus; limit?: number; json?: boolean }, command: Command) => {
      const log = await context.withConnection(command, (c) =>
        c.api.outbound.log(bindingId, {
          ...(flags.status === undefined ? {} : { status: flags.status }),
          ...(flags.limit === undefined ? {} : { limit: flags.limit }),
        }),
      );
      if (flags.json) writeJson(io.stdout, log);
      else io.stdout.write(describeLog(log));
    });

  outbound
    .command('retry')
    .description('Send the failed deliveries again.')
    .argument('<bindingId>', 'binding id', uuid)
    .option('--json', 'print {requeued} as JSON')
    .action(async (bindingId: string, flags: { json?: boolean }, command: Command) => {
      const { result, direct } = await context.withConnection(command, async (c) => ({ result: await c.api.outbound.retry(bindingId), direct: c.mode === 'direct' }));
      if (flags.json) writeJson(io.stdout, result);
      else io.stdout.write(result.requeued === 0 ? 'No failed deliveries to retry.\n' : `Queued ${result.requeued} failed delivery(ies) again; follow them with \`dingbridge outbound log ${bindingId}\`.\n`);
      if (direct && result.requeued > 0) io.stderr.write(DELIVERED_BY_SERVE);
    });

  outbound
    .command('push-all')
    .description('Execute addition: push every unit and account in the outbound scope that is not in DingTalk yet.')
    .argument('<bindingId>', 'binding id', uuid)
    .option('--dry-run', 'list what would be created; write nothing')
    .option('--json', 'print {dryRun, units, accounts} as JSON')
    .action(async (bindingId: string, flags: { dryRun?: boolean; json?: boolean }, command: Command) => {
      const { result, direct } = await context.withConnection(command, async (c) => ({
        result: await c.api.outbound.executeAddition(bindingId, { dryRun: flags.dryRun === true }),
        direct: c.mode === 'direct',
      }));
      if (flags.json) writeJson(io.stdout, result);
      else io.stdout.write(describeAddition(result));
      if (direct && !result.dryRun && result.units.length + result.accounts.length > 0) io.stderr.write(DELIVERED_BY_SERVE);
    });
}
