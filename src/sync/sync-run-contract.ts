/**
 * The public contract of sync runs: what `dingbridge sync`, `dingbridge runs …`, the REST API and the console see.
 * A run is one pass of crawl → diff → plan → guard → apply for one binding, with a result per operation.
 */
import { z } from 'zod';
import { PLAN_OP_KINDS } from './plan-operation.ts';

export const RUN_STEPS = ['crawl', 'load', 'plan', 'guard', 'apply'] as const;
export type RunStep = (typeof RUN_STEPS)[number];

/** Terminal statuses; `queued` and `running` are not. */
export const TERMINAL_RUN_STATUSES = ['succeeded', 'partial', 'failed', 'held', 'rejected'] as const;

export const runViewSchema = z.object({
  id: z.uuid(),
  bindingId: z.uuid(),
  kind: z.enum(['full', 'event', 'reconcile']),
  dryRun: z.boolean(),
  /**
   * `succeeded`: every operation applied (or, for a dry run, planned); `partial`: some failed or were skipped, the
   * rest applied; `failed`: the run could not complete (see `error`) or every operation failed; `held`: the guard
   * stopped destructive operations above the thresholds and nothing was written, awaiting approve/reject;
   * `rejected`: an administrator rejected a held run.
   */
  status: z.enum(['queued', 'running', 'succeeded', 'partial', 'failed', 'held', 'rejected']),
  /** The step running now, or the step a failed run failed in. */
  step: z.enum(RUN_STEPS).nullable(),
  /** Operations written to the directory. */
  applied: z.number(),
  failed: z.number(),
  /** Skipped because an operation they depend on failed or was skipped. */
  skipped: z.number(),
  /** Planned operations per kind (every kind present), plus crawl figures. */
  counts: z.object({
    ops: z.record(z.enum(PLAN_OP_KINDS), z.number()),
    departments: z.number(),
    users: z.number(),
    review: z.number(),
  }).partial(),
  /** Seconds each step took, for the steps that ran. */
  stepSeconds: z.partialRecord(z.enum(RUN_STEPS), z.number()).optional(),
  /** DingTalk HTTP attempts the run made (token included). */
  apiCalls: z.object({ total: z.number(), byApi: z.record(z.string(), z.number()), throttled: z.number() }),
  /** Why the guard held the run (held runs and dry runs that would have been held). */
  guard: z
    .object({
      verdict: z.enum(['proceed', 'hold']),
      reasons: z.array(z.json()),
    })
    .nullable(),
  /** A run-level failure: `{code, message}` (an AppError's code, e.g. `dingtalk.permission_denied`). */
  error: z.object({ code: z.string(), message: z.string(), details: z.json().optional() }).nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
});
export type RunView = z.infer<typeof runViewSchema>;

/** One operation of a run and its result; `before`/`after` carry the field-by-field change. */
export const runOpViewSchema = z.object({
  seq: z.number(),
  /** A plan op kind: `account.create`, `membership.remove`, … */
  op: z.string(),
  targetKind: z.enum(['unit', 'account', 'membership']),
  /** DingTalk userid or dept_id (or `deptId/userid` for a membership). */
  externalId: z.string().nullable(),
  localId: z.string().nullable(),
  status: z.enum(['planned', 'applied', 'failed', 'skipped']),
  /** Why it failed or was skipped. */
  reason: z.string().nullable(),
  before: z.json().nullable(),
  after: z.json().nullable(),
});
export type RunOpView = z.infer<typeof runOpViewSchema>;

export const runListQuerySchema = z.object({
  bindingId: z.uuid().optional(),
  status: z.enum(['queued', 'running', 'succeeded', 'partial', 'failed', 'held', 'rejected']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type RunListQuery = z.input<typeof runListQuerySchema>;

export const runOpsQuerySchema = z.object({
  status: z.enum(['planned', 'applied', 'failed', 'skipped']).optional(),
  /** Only operations of this kind (`account.update`, `membership.remove`, …). */
  op: z.enum(PLAN_OP_KINDS).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});
export type RunOpsQuery = z.input<typeof runOpsQuerySchema>;

/**
 * The runs area as HTTP routes and the CLI use it. Errors: `binding.not_found`, `run.not_found`,
 * `run.not_held` (approve/reject of a run that is not held).
 */
export interface RunsService {
  /**
   * Queues a full sync (`kind: 'reconcile'` for a scheduled one: the same sync, told apart in the run list). While
   * one is queued for the binding already, returns that run instead of a second.
   */
  start(bindingId: string, options?: { dryRun?: boolean; kind?: 'full' | 'reconcile' }): Promise<RunView>;
  list(query?: RunListQuery): Promise<RunView[]>;
  show(id: string): Promise<RunView>;
  ops(id: string, query?: RunOpsQuery): Promise<RunOpView[]>;
  /** Applies a held run's kept plan (queued again; the run goes `queued` → `running` → its end). */
  approve(id: string): Promise<RunView>;
  reject(id: string): Promise<RunView>;
}
