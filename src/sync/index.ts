export {
  crawlAddressBook,
  type AddressBookSnapshot,
  type AddressBookSource,
  type CrawlFailure,
  type CrawlOptions,
  type CrawlProgress,
  type SnapshotDepartment,
  type SnapshotMembership,
  type SnapshotUser,
} from './address-book-crawl.ts';
export { addressBookSourceOf } from './address-book-source.ts';
export {
  evaluateExpression,
  expressionPaths,
  parseExpression,
  printExpression,
  type Expression,
  type ExpressionError,
  type ExpressionResult,
} from './mapping-expression.ts';
export {
  ACCOUNT_FIELDS,
  canonicalMobile,
  comparableText,
  DEFAULT_FIELD_MAPPING_SPEC,
  defaultFieldMapping,
  expressionSchema,
  fieldChanges,
  fieldMappingSchema,
  initialFieldValues,
  mapUserRecord,
  OWNERSHIP_MODES,
  printFieldMapping,
  type FieldChange,
  type FieldMapping,
  type FieldMappingSpec,
  type FieldRule,
  type MappedValues,
  type MappingTarget,
  type OwnershipMode,
} from './field-mapping.ts';
export {
  MATCHING_PRESETS,
  matchAccounts,
  matchingRuleSchema,
  matchingRulesSchema,
  presetRule,
  type MatchCandidate,
  type MatchingPreset,
  type MatchingRule,
  type MatchOutcome,
  type MatchSubject,
} from './account-matching.ts';
export {
  crawlRootsOf,
  leaverPolicySchema,
  ROOT_DEPT_ID,
  syncScopeSchema,
  type LeaverPolicy,
  type SyncBinding,
  type SyncScope,
} from './sync-binding.ts';
export {
  emptyDirectoryView,
  type AccountFieldValues,
  type DisabledBy,
  type LocalCandidateAccount,
  type LocalDirectoryView,
  type LocalLinkedAccount,
  type LocalMembership,
  type LocalUnit,
} from './local-directory-view.ts';
export {
  diffDirectory,
  projectDepartments,
  type DirectoryDiff,
  type PersonDiff,
  type SyncInput,
} from './sync-diff.ts';
export { planFromDiff, planOrderProblems, planSync } from './sync-plan.ts';
export {
  countOps,
  DESTRUCTIVE_OP_KINDS,
  destructiveCounts,
  PLAN_OP_KINDS,
  planOpSchema,
  reviewItemSchema,
  syncPlanSchema,
  type DestructiveCounts,
  type PlanBaseline,
  type PlanOp,
  type PlanOpKind,
  type PlanOpOf,
  type ReviewItem,
  type SyncPlan,
} from './plan-operation.ts';
export {
  deletionThresholdsSchema,
  guardPlan,
  type DeletionThresholds,
  type GuardOptions,
  type GuardReason,
  type GuardVerdict,
} from './sync-guard.ts';
export { ACCOUNT_COLUMNS, applyPlan, type ApplyOptions, type ApplyProgress, type ApplyResult } from './apply-plan.ts';
export { planOpRecord, recordPlannedOps, type OpTargetKind, type PlanOpRecord } from './plan-op-record.ts';
export { fieldsOf, loadDirectoryView, type AccountRow } from './load-directory-view.ts';
export { syncEventBatch, type EventSyncDeps, type EventSyncResult, type EventTouch } from './event-sync.ts';
export {
  createSyncRuns,
  type SyncContext,
  type SyncRunListeners,
  type SyncRuns,
  type SyncRunsDeps,
} from './sync-runs.ts';
export {
  RUN_STEPS,
  runListQuerySchema,
  runOpsQuerySchema,
  runOpViewSchema,
  runViewSchema,
  TERMINAL_RUN_STATUSES,
  type RunListQuery,
  type RunOpsQuery,
  type RunOpView,
  type RunsService,
  type RunStep,
  type RunView,
} from './sync-run-contract.ts';
export {
  createReconcileScheduler,
  scheduleCrons,
  type ReconcileCron,
  type ReconcileScheduler,
  type ReconcileSchedulerDeps,
} from './reconcile-schedules.ts';
