/**
 * An account's history (issue 8): what changed it and when — the sync operations on it and its memberships
 * (`sync_ops`, by `local_id`) and its outbound deliveries (`outbound_log`, by `object_id`), merged newest first.
 * Dry runs are left out: they changed nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, JsonValue } from '../db/index.ts';
import type { AccountHistoryEntry, AccountHistoryPage } from './directory-contract.ts';

interface HistoryRow {
  source: 'sync' | 'outbound';
  at: Date | string;
  binding_id: string;
  binding_name: string;
  run_id: string | null;
  run_kind: string | null;
  run_status: string | null;
  seq: number | string;
  operation: string;
  target_kind: string | null;
  external_id: string | null;
  status: string;
  reason: string | null;
  before: JsonValue | null;
  after: JsonValue | null;
  request: JsonValue | null;
  errcode: number | null;
  error: JsonValue | null;
  attempt: number | null;
}

/**
 * One page of the history of account `accountId` (which the caller has found to exist).
 *
 * @example
 * const page = await accountHistory(db, account.id, { offset: 0, limit: 50 });
 */
export async function accountHistory(
  db: Kysely<Database>,
  accountId: string,
  { offset, limit }: { offset: number; limit: number },
): Promise<AccountHistoryPage> {
  // Both halves are index reads (`sync_ops_local_id_idx`, `outbound_log_object_id_seq_idx`); the columns line up so
  // one ordered union pages them together. A run's operations share its time, so seq orders them within it.
  const syncOps = sql`
    select 'sync' as source, coalesce(r.ended_at, r.started_at, r.created_at) as at, r.binding_id, b.name as binding_name,
      r.id as run_id, r.kind as run_kind, r.status as run_status, o.seq::bigint as seq, o.op as operation, o.target_kind,
      o.external_id, o.status, o.reason, o.before, o.after,
      null::jsonb as request, null::integer as errcode, null::jsonb as error, null::integer as attempt
    from sync_ops o
    join sync_runs r on r.id = o.run_id
    join bindings b on b.id = r.binding_id
    where o.local_id = ${accountId} and o.target_kind in ('account', 'membership') and not r.dry_run`;
  const deliveries = sql`
    select 'outbound' as source, l.at, l.binding_id, b.name as binding_name,
      null::uuid as run_id, null::text as run_kind, null::text as run_status, l.seq, l.operation, null::text as target_kind,
      l.external_id, l.status, null::text as reason, null::jsonb as before, null::jsonb as after,
      l.request, l.errcode, l.error, l.attempt
    from outbound_log l
    join bindings b on b.id = l.binding_id
    where l.object_kind = 'account' and l.object_id = ${accountId}`;
  const { rows } = await sql<HistoryRow>`
    select * from (${syncOps} union all ${deliveries}) history
    order by at desc, source desc, seq desc
    offset ${offset} limit ${limit}`.execute(db);
  const { rows: counts } = await sql<{ n: number | string }>`
    select (select count(*) from (${syncOps}) s) + (select count(*) from (${deliveries}) d) as n`.execute(db);
  return { items: rows.map(historyEntry), total: Number(counts[0]?.n ?? 0), offset, limit };
}

function historyEntry(row: HistoryRow): AccountHistoryEntry {
  const base = { at: new Date(row.at).toISOString(), bindingId: row.binding_id, bindingName: row.binding_name, seq: Number(row.seq) };
  if (row.source === 'sync') {
    return {
      source: 'sync',
      ...base,
      runId: row.run_id!,
      runKind: row.run_kind as Extract<AccountHistoryEntry, { source: 'sync' }>['runKind'],
      runStatus: row.run_status as Extract<AccountHistoryEntry, { source: 'sync' }>['runStatus'],
      op: row.operation,
      targetKind: row.target_kind as 'account' | 'membership',
      externalId: row.external_id,
      status: row.status as Extract<AccountHistoryEntry, { source: 'sync' }>['status'],
      reason: row.reason,
      before: row.before,
      after: row.after,
    };
  }
  return {
    source: 'outbound',
    ...base,
    operation: row.operation,
    status: row.status as Extract<AccountHistoryEntry, { source: 'outbound' }>['status'],
    externalId: row.external_id,
    request: row.request,
    errcode: row.errcode,
    error: row.error,
    attempt: row.attempt ?? 1,
  };
}
