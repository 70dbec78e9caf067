/**
 * How a plan operation appears in `sync_ops`: which object it acts on (kind, DingTalk id, local id) and its
 * change field by field, so a run's page can show "email: a@x → b@x" without reading the plan.
 */
import { sql, type Kysely } from 'kysely';
import { json, type Database, type JsonValue, type SyncOpStatus } from '../db/index.ts';
import type { FieldChangeJson, PlanOp, SyncPlan } from './plan-operation.ts';

export type OpTargetKind = 'unit' | 'account' | 'membership';

export interface PlanOpRecord {
  op: PlanOp['kind'];
  targetKind: OpTargetKind;
  /** `deptId`, `userid`, or `deptId/userid` for a membership. */
  externalId: string;
  /** The unit's id, or the account's (a membership's history belongs to its person). */
  localId: string;
  before: JsonValue;
  after: JsonValue;
}

/**
 * The `sync_ops` view of one operation. Creates have `before` null and `after` the new values; updates show only
 * the changed fields; deletes and removals keep what identified the object (and why) in `before`, `after` null.
 *
 * @example
 * planOpRecord({ kind: 'unit.update', unitId, deptId: 7, changes: [{ field: 'name', before: 'A', after: 'B' }], … });
 * // → { op: 'unit.update', targetKind: 'unit', externalId: '7', localId: unitId, before: { name: 'A' }, after: { name: 'B' } }
 */
export function planOpRecord(op: PlanOp): PlanOpRecord {
  switch (op.kind) {
    case 'unit.create':
      return unit(op, null, { name: op.name, parentId: op.parentId, sortOrder: op.sortOrder });
    case 'unit.update':
      return unit(op, ...split(op.changes));
    case 'unit.delete':
      return unit(op, { name: op.name, reason: op.reason }, null);
    case 'account.create':
      return account(op, null, { ...op.values, 'link.unionid': op.unionid });
    case 'account.link':
      return account(op, null, { 'link.unionid': op.unionid, rule: op.rule });
    case 'account.update':
      return account(op, ...split(op.changes));
    case 'account.enable':
      return account(op, { status: 'disabled', disabledAt: op.disabledAt }, { status: 'enabled' });
    case 'account.disable':
      return account(op, { status: 'enabled' }, { status: 'disabled', disabledBy: 'sync' });
    case 'account.delete':
      return account(op, { status: 'disabled', disabledAt: op.disabledAt, deleteAfterDays: op.deleteAfterDays }, null);
    case 'membership.add':
      return membership(op, null, { unitId: op.unitId, order: op.order, leader: op.leader, main: op.main });
    case 'membership.update':
      return membership(op, ...split(op.changes));
    case 'membership.remove':
      return membership(op, { unitId: op.unitId, reason: op.reason }, null);
  }
}

function unit(op: PlanOp & { unitId: string; deptId: number }, before: JsonValue, after: JsonValue): PlanOpRecord {
  return { op: op.kind, targetKind: 'unit', externalId: String(op.deptId), localId: op.unitId, before, after };
}

function account(op: PlanOp & { accountId: string; userid: string }, before: JsonValue, after: JsonValue): PlanOpRecord {
  return { op: op.kind, targetKind: 'account', externalId: op.userid, localId: op.accountId, before, after };
}

function membership(
  op: PlanOp & { accountId: string; userid: string; deptId: number },
  before: JsonValue,
  after: JsonValue,
): PlanOpRecord {
  return { op: op.kind, targetKind: 'membership', externalId: `${op.deptId}/${op.userid}`, localId: op.accountId, before, after };
}

function split(changes: readonly FieldChangeJson[]): [JsonValue, JsonValue] {
  const before: Record<string, JsonValue> = {};
  const after: Record<string, JsonValue> = {};
  for (const change of changes) {
    before[change.field] = change.before;
    after[change.field] = change.after;
  }
  return [before, after];
}

/** A `sync_ops` row of an operation at position `seq` with its status and reason (the run id is the statement's). */
export interface SyncOpRow {
  seq: number;
  op: string;
  target_kind: OpTargetKind;
  external_id: string;
  local_id: string;
  status: SyncOpStatus;
  reason: string | null;
  before: JsonValue;
  after: JsonValue;
}

export function syncOpRow(seq: number, op: PlanOp, status: SyncOpStatus, reason: string | null): SyncOpRow {
  const record = planOpRecord(op);
  return {
    seq,
    op: record.op,
    target_kind: record.targetKind,
    external_id: record.externalId,
    local_id: record.localId,
    status,
    reason,
    before: record.before,
    after: record.after,
  };
}

/**
 * Rows per statement. They travel as one JSON parameter read by `jsonb_to_recordset`: one string to send and
 * parse instead of ten bind parameters a row, which on PGlite cost more to encode than the insert itself.
 */
const ROWS_PER_INSERT = 5000;

/**
 * Writes rows of run `runId` to `sync_ops`, replacing a row already there for the same `(run_id, seq)` (a held
 * run's ops are recorded `planned` first and get their results on approval).
 */
export async function upsertSyncOps(db: Kysely<Database>, runId: string, rows: readonly SyncOpRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = json(rows.slice(start, start + ROWS_PER_INSERT));
    await sql`
      insert into sync_ops (run_id, seq, op, target_kind, external_id, local_id, status, reason, before, after)
      select ${runId}::uuid, r.seq, r.op, r.target_kind, r.external_id, r.local_id, r.status, r.reason,
             nullif(r.before, 'null'::jsonb), nullif(r.after, 'null'::jsonb)
      from jsonb_to_recordset(${chunk}::jsonb) as r(
        seq integer, op text, target_kind text, external_id text, local_id uuid, status text, reason text, before jsonb, after jsonb)
      on conflict (run_id, seq) do update set
        op = excluded.op, target_kind = excluded.target_kind, external_id = excluded.external_id,
        local_id = excluded.local_id, status = excluded.status, reason = excluded.reason,
        before = excluded.before, after = excluded.after`.execute(db);
  }
}

/**
 * Records every operation of `plan` as `planned` (a dry run's preview, or a held run awaiting approval), in
 * multi-row inserts. A plan without operations writes nothing.
 *
 * @example
 * await recordPlannedOps(db, run.id, plan);
 */
export async function recordPlannedOps(db: Kysely<Database>, runId: string, plan: Pick<SyncPlan, 'ops'>): Promise<void> {
  await upsertSyncOps(
    db,
    runId,
    plan.ops.map((op, seq) => syncOpRow(seq, op, 'planned', null)),
  );
}
