/**
 * How runs and their operations are shown: the `sync --wait` summary, a run's `key: value` lines, ops as a table
 * or field by field (a dry run's plan), and what to do next after a run that did not succeed.
 */
import type { DingbridgeApi } from '../app-api.ts';
import { TERMINAL_RUN_STATUSES, type RunOpsQuery, type RunOpView, type RunView } from '../sync/sync-run-contract.ts';
import { cell, keyValues, table } from './cli-output.ts';

export function isTerminal(run: RunView): boolean {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(run.status);
}

/**
 * What `sync --wait` prints when the run ends: the outcome, the DingTalk calls, the counts; `guard` and `error`
 * only when set.
 *
 * @example
 * runSummary(run); // { id, status, dryRun, applied, failed, skipped, apiCalls: { total, byApi }, counts, startedAt, endedAt }
 */
export function runSummary(run: RunView): Record<string, unknown> {
  return {
    id: run.id,
    status: run.status,
    dryRun: run.dryRun,
    applied: run.applied,
    failed: run.failed,
    skipped: run.skipped,
    apiCalls: { total: run.apiCalls.total, byApi: run.apiCalls.byApi },
    counts: run.counts,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    ...(run.guard === null ? {} : { guard: run.guard }),
    ...(run.error === null ? {} : { error: run.error }),
  };
}

export function describeRun(run: RunView): string {
  return keyValues({
    id: run.id,
    bindingId: run.bindingId,
    kind: run.kind,
    dryRun: run.dryRun,
    status: run.status,
    step: run.step,
    applied: run.applied,
    failed: run.failed,
    skipped: run.skipped,
    planned: countsText(run),
    apiCalls: `${run.apiCalls.total} (${Object.entries(run.apiCalls.byApi).map(([api, n]) => `${api} ${n}`).join(', ') || 'none'}; throttled ${run.apiCalls.throttled})`,
    guard: run.guard,
    error: run.error === null ? null : `${run.error.message} [${run.error.code}]`,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
  });
}

export function runsTable(runs: readonly RunView[]): string {
  return table(runs, ['id', 'bindingId', 'kind', 'dryRun', 'status', 'step', 'applied', 'failed', 'skipped', 'createdAt']);
}

export function opsTable(ops: readonly RunOpView[]): string {
  return table(ops, ['seq', 'op', 'externalId', 'status', 'reason']);
}

/** One line of progress for a terminal: status, step and the counts so far. */
export function progressLine(run: RunView): string {
  const crawl = [run.counts.departments === undefined ? '' : `${run.counts.departments} depts`, run.counts.users === undefined ? '' : `${run.counts.users} users`].filter(Boolean).join(', ');
  return `${run.status}${run.step ? ` · ${run.step}` : ''}${crawl ? ` · ${crawl}` : ''} · applied ${run.applied}, failed ${run.failed} · ${run.apiCalls.total} DingTalk calls`;
}

/**
 * Operations field by field, as a dry run's plan is read: each op, then each field whose value changes.
 *
 * @example
 * describeOpChanges(ops); // "#1 account.create zhangsan (planned)\n    username: - → zhangsan\n…"
 */
export function describeOpChanges(ops: readonly RunOpView[]): string {
  if (ops.length === 0) return 'No operations: the directory already matches DingTalk.\n';
  const lines: string[] = [];
  for (const op of ops) {
    lines.push(`#${op.seq} ${op.op} ${op.externalId ?? op.localId ?? ''} (${op.status}${op.reason ? `: ${op.reason}` : ''})`);
    const before = asRecord(op.before);
    const after = asRecord(op.after);
    const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const width = Math.max(0, ...fields.map((field) => field.length + 1));
    for (const field of fields) {
      if (JSON.stringify(before[field]) === JSON.stringify(after[field])) continue;
      lines.push(`    ${`${field}:`.padEnd(width)} ${cell(before[field])} → ${cell(after[field])}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** What to do after a run that did not succeed; empty for a success. */
export function nextSteps(run: RunView): string {
  const show = `dingbridge runs show ${run.id} --ops`;
  switch (run.status) {
    case 'held':
      return `Run ${run.id} is held: the guard stopped destructive changes above the binding's thresholds and wrote nothing. ` +
        `Review them with \`${show}\`, then \`dingbridge runs approve ${run.id}\` or \`dingbridge runs reject ${run.id}\`.\n`;
    case 'failed':
      return `Run ${run.id} failed${run.step ? ` in ${run.step}` : ''}${run.error ? `: ${run.error.message} [${run.error.code}]` : ''}. Details: \`${show}\`.\n`;
    case 'partial':
      return `Run ${run.id} applied ${run.applied} operations; ${run.failed} failed and ${run.skipped} were skipped. ` +
        `See which and why with \`${show} --status failed\`; the next sync retries them.\n`;
    case 'rejected':
      return `Run ${run.id} was rejected; nothing was written.\n`;
    default:
      return '';
  }
}

/** Every op of a run, page by page. */
export async function allOps(api: DingbridgeApi, runId: string, filter: Pick<RunOpsQuery, 'status' | 'op'> = {}): Promise<RunOpView[]> {
  const pageSize = 1000;
  const ops: RunOpView[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = await api.runs.ops(runId, { offset, limit: pageSize, ...filter });
    ops.push(...page);
    if (page.length < pageSize) return ops;
  }
}

function countsText(run: RunView): string {
  const ops = Object.entries(run.counts.ops ?? {}).filter(([, n]) => n > 0);
  return ops.length === 0 ? '-' : ops.map(([kind, n]) => `${kind} ${n}`).join(', ');
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
