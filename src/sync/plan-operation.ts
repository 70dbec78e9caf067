/**
 * The vocabulary of a sync plan: its operations, review items and the plan itself, as zod schemas (a plan is
 * stored in `sync_runs.plan` as jsonb and read back when an administrator approves a held run) with the types
 * derived from them. Everything is plain JSON: no Map, no undefined, no Date (times are epoch milliseconds).
 */
import { z } from 'zod';

const opBase = {
  /** Stable across plans of the same input: `kind/deptId`, `kind/userid` or `kind/deptId/userid`. */
  id: z.string(),
  /** Ids of earlier operations this one needs; apply skips it when one of them failed or was skipped. */
  dependsOn: z.array(z.string()),
};

/** One attribute before and after; `field` is an account target (`email`, `attributes.x`), `link.unionid`, or a unit or membership column. */
export const fieldChangeSchema = z.object({ field: z.string(), before: z.json(), after: z.json() });

export const unitCreateOpSchema = z.object({
  ...opBase,
  kind: z.literal('unit.create'),
  unitId: z.string(),
  deptId: z.number(),
  name: z.string(),
  parentId: z.string(),
  sortOrder: z.number(),
});
/** Changes among `name`, `parentId` (a move) and `sortOrder`. */
export const unitUpdateOpSchema = z.object({
  ...opBase,
  kind: z.literal('unit.update'),
  unitId: z.string(),
  deptId: z.number(),
  changes: z.array(fieldChangeSchema),
});
export const unitDeleteOpSchema = z.object({
  ...opBase,
  kind: z.literal('unit.delete'),
  unitId: z.string(),
  deptId: z.number(),
  name: z.string(),
  reason: z.enum(['department_gone', 'out_of_scope']),
});
/** Creates the account and its link (binding, userid) with the unionid. `values` holds every mapped value present. */
export const accountCreateOpSchema = z.object({
  ...opBase,
  kind: z.literal('account.create'),
  accountId: z.string(),
  userid: z.string(),
  unionid: z.string().nullable(),
  values: z.record(z.string(), z.string()),
});
/** Links an existing account found by a matching rule; its field changes follow in an `account.update`. */
export const accountLinkOpSchema = z.object({
  ...opBase,
  kind: z.literal('account.link'),
  accountId: z.string(),
  userid: z.string(),
  unionid: z.string().nullable(),
  rule: z.string(),
});
export const accountUpdateOpSchema = z.object({
  ...opBase,
  kind: z.literal('account.update'),
  accountId: z.string(),
  userid: z.string(),
  changes: z.array(fieldChangeSchema),
});
/** A re-hire: the account was disabled by sync and the person is back. */
export const accountEnableOpSchema = z.object({
  ...opBase,
  kind: z.literal('account.enable'),
  accountId: z.string(),
  userid: z.string(),
  disabledAt: z.number().nullable(),
});
/** A leaver: apply sets `disabled_at` to its own now and records that sync disabled it. */
export const accountDisableOpSchema = z.object({
  ...opBase,
  kind: z.literal('account.disable'),
  accountId: z.string(),
  userid: z.string(),
});
/** A leaver whose grace period has passed; the account's memberships and links go with it. */
export const accountDeleteOpSchema = z.object({
  ...opBase,
  kind: z.literal('account.delete'),
  accountId: z.string(),
  userid: z.string(),
  disabledAt: z.number(),
  deleteAfterDays: z.number(),
});
export const membershipAddOpSchema = z.object({
  ...opBase,
  kind: z.literal('membership.add'),
  accountId: z.string(),
  userid: z.string(),
  unitId: z.string(),
  deptId: z.number(),
  order: z.number(),
  leader: z.boolean(),
  main: z.boolean(),
});
/** Changes among `order`, `leader` and `main`. */
export const membershipUpdateOpSchema = z.object({
  ...opBase,
  kind: z.literal('membership.update'),
  accountId: z.string(),
  userid: z.string(),
  unitId: z.string(),
  deptId: z.number(),
  changes: z.array(fieldChangeSchema),
});
export const membershipRemoveOpSchema = z.object({
  ...opBase,
  kind: z.literal('membership.remove'),
  accountId: z.string(),
  userid: z.string(),
  unitId: z.string(),
  deptId: z.number(),
  /** `account_left`: the person left the organization (counted by the guard as the account's disable, not again). */
  reason: z.enum(['left_department', 'account_left']),
});

export const planOpSchema = z.discriminatedUnion('kind', [
  unitCreateOpSchema,
  unitUpdateOpSchema,
  unitDeleteOpSchema,
  accountCreateOpSchema,
  accountLinkOpSchema,
  accountUpdateOpSchema,
  accountEnableOpSchema,
  accountDisableOpSchema,
  accountDeleteOpSchema,
  membershipAddOpSchema,
  membershipUpdateOpSchema,
  membershipRemoveOpSchema,
]);

export type FieldChangeJson = z.infer<typeof fieldChangeSchema>;
export type PlanOp = z.infer<typeof planOpSchema>;
export type PlanOpKind = PlanOp['kind'];
export type PlanOpOf<K extends PlanOpKind> = Extract<PlanOp, { kind: K }>;

export const PLAN_OP_KINDS = [
  'unit.create',
  'unit.update',
  'unit.delete',
  'account.create',
  'account.link',
  'account.update',
  'account.enable',
  'account.disable',
  'account.delete',
  'membership.add',
  'membership.update',
  'membership.remove',
] as const satisfies readonly PlanOpKind[];

/** Objects sync will not decide on alone; the plan leaves them untouched and lists them for an administrator. */
export const reviewItemSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ambiguous_match'), userid: z.string(), rule: z.string(), candidateIds: z.array(z.string()) }),
  z.object({
    kind: z.literal('contested_match'),
    userid: z.string(),
    rule: z.string(),
    accountId: z.string(),
    rivals: z.array(z.string()),
  }),
  z.object({ kind: z.literal('username_taken'), userid: z.string(), username: z.string(), accountId: z.string().nullable() }),
  z.object({ kind: z.literal('missing_required'), userid: z.string(), fields: z.array(z.string()) }),
  /** A department whose parent chain leaves the snapshot or loops: left alone, and nothing is removed this run. */
  z.object({ kind: z.literal('unplaced_department'), deptId: z.number(), reason: z.enum(['parent_missing', 'cycle']) }),
  /** A unit whose department is gone but which still holds local members or local units: kept. */
  z.object({ kind: z.literal('unit_not_empty'), unitId: z.string(), deptId: z.number() }),
]);
export type ReviewItem = z.infer<typeof reviewItemSchema>;

/**
 * What the guard holds to the thresholds, each against its own population:
 * - `accounts`: `account.disable` + `account.delete`;
 * - `units`: `unit.delete`;
 * - `memberships`: `membership.remove` of people who stay (`left_department`); a leaver's removals are part of
 *   the leaver, already counted once under `accounts`.
 */
export const destructiveCountsSchema = z.object({ accounts: z.number(), units: z.number(), memberships: z.number() });
export type DestructiveCounts = z.infer<typeof destructiveCountsSchema>;

/** The populations the percentages are of: linked accounts, linked units, memberships in synced units. */
export const planBaselineSchema = z.object({ accounts: z.number(), units: z.number(), memberships: z.number() });
export type PlanBaseline = z.infer<typeof planBaselineSchema>;

export const syncPlanSchema = z.object({
  version: z.literal(1),
  bindingId: z.string(),
  /** The `now` the plan was made with (grace periods are measured against it). */
  plannedAt: z.number(),
  /** The snapshot was complete and consistent: only then does the plan contain destructive operations. */
  complete: z.boolean(),
  baseline: planBaselineSchema,
  ops: z.array(planOpSchema),
  counts: z.record(z.enum(PLAN_OP_KINDS), z.number()),
  destructive: destructiveCountsSchema,
  review: z.array(reviewItemSchema),
});
export type SyncPlan = z.infer<typeof syncPlanSchema>;

/** The op kinds that remove something: never in a plan from an incomplete snapshot. */
export const DESTRUCTIVE_OP_KINDS: readonly PlanOpKind[] = ['account.disable', 'account.delete', 'unit.delete', 'membership.remove'];

/**
 * Counts the destructive operations of a plan as the guard weighs them (see {@link destructiveCountsSchema}).
 *
 * @example
 * destructiveCounts(plan.ops); // { accounts: 3, units: 1, memberships: 2 }
 */
export function destructiveCounts(ops: readonly PlanOp[]): DestructiveCounts {
  const counts = { accounts: 0, units: 0, memberships: 0 };
  for (const op of ops) {
    if (op.kind === 'account.disable' || op.kind === 'account.delete') counts.accounts++;
    else if (op.kind === 'unit.delete') counts.units++;
    else if (op.kind === 'membership.remove' && op.reason === 'left_department') counts.memberships++;
  }
  return counts;
}

/**
 * Operations per kind, every kind present.
 *
 * @example
 * countOps(plan.ops)['account.create']; // 120
 */
export function countOps(ops: readonly PlanOp[]): Record<PlanOpKind, number> {
  const counts = Object.fromEntries(PLAN_OP_KINDS.map((kind) => [kind, 0])) as Record<PlanOpKind, number>;
  for (const op of ops) counts[op.kind]++;
  return counts;
}
