/**
 * The guard step (DESIGN.md "The flow of data"): a plan that removes things goes ahead only when it comes from a
 * complete snapshot and stays within the binding's thresholds; otherwise the run is held, its plan kept, until an
 * administrator approves or rejects it.
 *
 * What counts (`destructiveCounts`), each held separately to both limits:
 * - accounts: `account.disable` + `account.delete`, as a share of the accounts linked to the binding;
 * - units: `unit.delete`, as a share of the units linked to the binding;
 * - memberships: `membership.remove` of people who stay (`left_department`), as a share of the memberships in
 *   synced units. A leaver's own removals (`account_left`) are not counted again: the leaver is, under accounts.
 * Updates, creates, links and enables never hold a run.
 */
import { z } from 'zod';
import { DESTRUCTIVE_OP_KINDS, destructiveCounts, type PlanBaseline, type SyncPlan } from './plan-operation.ts';

/**
 * A binding's deletion thresholds; a limit left out does not apply.
 *
 * @example
 * deletionThresholdsSchema.parse({ maxDeletes: 50, maxDeletePercent: 10 });
 */
export const deletionThresholdsSchema = z.object({
  maxDeletes: z.number().int().min(0).optional(),
  maxDeletePercent: z.number().min(0).max(100).optional(),
});
export type DeletionThresholds = z.infer<typeof deletionThresholdsSchema>;

export interface GuardOptions {
  /** Whether the snapshot the plan came from was complete (`snapshot.complete`). */
  complete: boolean;
  thresholds: DeletionThresholds;
  /** The populations the percentages are of; `plan.baseline` is what the plan saw. `memberships` defaults to the plan's. */
  baseline: { accounts: number; units: number; memberships?: number };
}

export type GuardSubject = 'accounts' | 'units' | 'memberships';

export type GuardReason =
  | { code: 'sync.incomplete_snapshot'; destructiveOps: number; message: string }
  | {
      code: 'sync.threshold_exceeded';
      subject: GuardSubject;
      limit: 'count' | 'percent';
      count: number;
      /** The count or the percentage that was allowed. */
      allowed: number;
      baseline: number;
      message: string;
    };

export interface GuardVerdict {
  verdict: 'proceed' | 'hold';
  reasons: GuardReason[];
}

/**
 * Decides whether a plan may be applied now or must wait for an administrator.
 *
 * @example
 * const { verdict, reasons } = guardPlan(plan, { complete: snapshot.complete, thresholds: { maxDeletePercent: 10 }, baseline: plan.baseline });
 * if (verdict === 'hold') await runs.hold(run.id, plan, reasons);
 */
export function guardPlan(plan: Pick<SyncPlan, 'ops' | 'complete' | 'baseline'>, options: GuardOptions): GuardVerdict {
  const reasons: GuardReason[] = [];
  // Counted from the operations themselves, not from `plan.destructive`: a plan read back from storage is data.
  const counts = destructiveCounts(plan.ops);
  const destructiveOps = plan.ops.filter((op) => DESTRUCTIVE_OP_KINDS.includes(op.kind)).length;
  if (destructiveOps > 0 && !(options.complete && plan.complete)) {
    reasons.push({
      code: 'sync.incomplete_snapshot',
      destructiveOps,
      message: `${destructiveOps} removals planned from an incomplete snapshot; removals need a complete one`,
    });
  }
  const baseline: PlanBaseline = {
    accounts: options.baseline.accounts,
    units: options.baseline.units,
    memberships: options.baseline.memberships ?? plan.baseline.memberships,
  };
  for (const subject of ['accounts', 'units', 'memberships'] as const) {
    const count = counts[subject];
    if (count === 0) continue;
    const { maxDeletes, maxDeletePercent } = options.thresholds;
    if (maxDeletes !== undefined && count > maxDeletes) {
      reasons.push({
        code: 'sync.threshold_exceeded',
        subject,
        limit: 'count',
        count,
        allowed: maxDeletes,
        baseline: baseline[subject],
        message: `${count} ${subject} to remove, more than the ${maxDeletes} allowed`,
      });
    }
    // With nothing to compare to (an empty baseline), any removal is 100 %.
    const percent = baseline[subject] === 0 ? 100 : (count / baseline[subject]) * 100;
    if (maxDeletePercent !== undefined && percent > maxDeletePercent) {
      reasons.push({
        code: 'sync.threshold_exceeded',
        subject,
        limit: 'percent',
        count,
        allowed: maxDeletePercent,
        baseline: baseline[subject],
        message: `${count} of ${baseline[subject]} ${subject} to remove (${percent.toFixed(1)} %), more than the ${maxDeletePercent} % allowed`,
      });
    }
  }
  return { verdict: reasons.length === 0 ? 'proceed' : 'hold', reasons };
}
