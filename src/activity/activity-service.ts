/**
 * Activity over the tables the other areas write: `sync_runs` (runs, their DingTalk calls, the events an event run
 * applied), `event_inbox` (lag, failed events) and `outbound_outbox` (pending and failed deliveries). Read-only;
 * one query per answer, each binding's figures from lateral subqueries that use the tables' existing indexes.
 */
import { sql, type Kysely } from 'kysely';
import type { BindingsService } from '../bindings/index.ts';
import type { Clock } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import {
  activityQuerySchema,
  CREDENTIAL_ERROR_CODES,
  EVENT_LAG_WARNING_SECONDS,
  RUN_KINDS,
  RUN_STATUSES,
  type Activity,
  type ActivityBucket,
  type ActivityRange,
  type ActivityService,
  type BindingHealth,
} from './activity-contract.ts';

export interface ActivityDeps {
  db: Kysely<Database>;
  /** For `binding.not_found`, the bindings area's own error. */
  bindings: Pick<BindingsService, 'show'>;
  clock: Clock;
  /** This process's Stream connection of a binding (the events area's listener), when it has one. */
  streamStatus?: (bindingId: string) => StreamStatus | undefined;
}

/** What the Stream listener reports of one binding's connection (times in epoch milliseconds). */
export interface StreamStatus {
  state: 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';
  connectedAt: number | null;
  lastEventAt: number | null;
  reconnects: number;
  lastError: string | null;
}

const RANGES: Record<ActivityRange, { unit: 'hour' | 'day'; count: number }> = {
  '24h': { unit: 'hour', count: 24 },
  '7d': { unit: 'day', count: 7 },
  '30d': { unit: 'day', count: 30 },
};

interface HealthRow {
  id: string;
  name: string;
  corp_id: string;
  run_id: string | null;
  run_kind: 'full' | 'event' | 'reconcile' | null;
  run_status: NonNullable<BindingHealth['lastRun']>['status'] | null;
  run_dry_run: boolean | null;
  run_failed_ops: number | null;
  run_error_code: string | null;
  run_created_at: Date | string | null;
  run_ended_at: Date | string | null;
  last_full_sync_at: Date | string | null;
  held_runs: number;
  events_pending: number;
  events_oldest_pending_at: Date | string | null;
  events_last_received_at: Date | string | null;
  events_failed: number;
  outbound_pending: number;
  outbound_failed: number;
  credentials_status: string | null;
  credentials_code: string | null;
  credentials_message: string | null;
  credentials_at: Date | string | null;
}

/**
 * @example
 * const activity = createActivity({ db, bindings, clock });
 * const health = await activity.health(bindingId); // health.events.lagSeconds, health.lastRun?.status …
 */
export function createActivity(deps: ActivityDeps): ActivityService {
  const { db, clock } = deps;

  async function healthRows(bindingId?: string): Promise<HealthRow[]> {
    const credentialCodes = sql.join(CREDENTIAL_ERROR_CODES.map((code) => sql.lit(code)));
    const result = await sql<HealthRow>`
      select b.id, b.name, b.corp_id,
        lr.id as run_id, lr.kind as run_kind, lr.status as run_status, lr.dry_run as run_dry_run,
        coalesce((lr.counts->>'failed')::int, 0) as run_failed_ops, lr.error->>'code' as run_error_code,
        lr.created_at as run_created_at, lr.ended_at as run_ended_at,
        (select r.created_at from sync_runs r
          where r.binding_id = b.id and r.kind in ('full', 'reconcile') and not r.dry_run and r.status in ('succeeded', 'partial')
          order by r.created_at desc limit 1) as last_full_sync_at,
        (select count(*) from sync_runs r where r.binding_id = b.id and r.status = 'held') as held_runs,
        pe.pending as events_pending, pe.oldest as events_oldest_pending_at,
        (select e.received_at from event_inbox e where e.binding_id = b.id order by e.received_at desc limit 1) as events_last_received_at,
        (select count(*) from event_inbox e where e.binding_id = b.id and e.status = 'failed') as events_failed,
        ob.pending as outbound_pending, ob.failed as outbound_failed,
        cr.status as credentials_status, cr.error->>'code' as credentials_code, cr.error->>'message' as credentials_message,
        coalesce(cr.ended_at, cr.created_at) as credentials_at
      from bindings b
      left join lateral (
        select r.* from sync_runs r where r.binding_id = b.id order by r.created_at desc limit 1
      ) lr on true
      -- The partial index on pending rows answers this however long the inbox history is.
      cross join lateral (
        select count(*) as pending, min(e.received_at) as oldest from event_inbox e
        where e.binding_id = b.id and e.status = 'pending'
      ) pe
      cross join lateral (
        select count(*) filter (where o.status = 'pending') as pending, count(*) filter (where o.status = 'failed') as failed
        from outbound_outbox o where o.binding_id = b.id
      ) ob
      -- The last run that reached DingTalk and says something of the credentials: it got through, or was refused.
      left join lateral (
        select r.status, r.error, r.ended_at, r.created_at from sync_runs r
        where r.binding_id = b.id
          and (r.status in ('succeeded', 'partial', 'held') or (r.status = 'failed' and r.error->>'code' in (${credentialCodes})))
        order by r.created_at desc limit 1
      ) cr on true
      ${bindingId === undefined ? sql`` : sql`where b.id = ${bindingId}`}
      order by b.created_at, b.id`.execute(db);
    return result.rows;
  }

  const streamOf = (bindingId: string): BindingHealth['stream'] => {
    const status = deps.streamStatus?.(bindingId);
    if (!status) return null;
    const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return { state: status.state, connectedAt: at(status.connectedAt), lastEventAt: at(status.lastEventAt), reconnects: status.reconnects, lastError: status.lastError };
  };

  const toHealth = (row: HealthRow, now: number): BindingHealth => {
    const oldest = iso(row.events_oldest_pending_at);
    const lagSeconds = oldest === null ? null : Math.max(0, Math.round((now - Date.parse(oldest)) / 1000));
    const lastRun: BindingHealth['lastRun'] =
      row.run_id === null
        ? null
        : {
            id: row.run_id,
            kind: row.run_kind!,
            status: row.run_status!,
            dryRun: row.run_dry_run ?? false,
            failedOps: Number(row.run_failed_ops ?? 0),
            errorCode: row.run_error_code,
            createdAt: iso(row.run_created_at)!,
            endedAt: iso(row.run_ended_at),
          };
    const credentials: BindingHealth['credentials'] =
      row.credentials_status === null
        ? { state: 'unknown', code: null, message: null, at: null }
        : row.credentials_status === 'failed'
          ? { state: 'failing', code: row.credentials_code, message: row.credentials_message, at: iso(row.credentials_at) }
          : { state: 'ok', code: null, message: null, at: iso(row.credentials_at) };
    const health: Omit<BindingHealth, 'state'> = {
      bindingId: row.id,
      name: row.name,
      corpId: row.corp_id,
      lastRun,
      lastFullSyncAt: iso(row.last_full_sync_at),
      heldRuns: Number(row.held_runs),
      events: {
        pending: Number(row.events_pending),
        lagSeconds,
        oldestPendingAt: oldest,
        lastReceivedAt: iso(row.events_last_received_at),
        failed: Number(row.events_failed),
      },
      outbound: { pending: Number(row.outbound_pending), failed: Number(row.outbound_failed) },
      credentials,
      stream: streamOf(row.id),
    };
    return { ...health, state: stateOf(health) };
  };

  return {
    async overview() {
      const now = clock.now();
      const rows = await healthRows();
      return { at: new Date(now).toISOString(), bindings: rows.map((row) => toHealth(row, now)) };
    },
    async health(bindingId) {
      // First, so that an unknown or malformed id gets the bindings area's own `binding.not_found`.
      await deps.bindings.show(bindingId);
      const now = clock.now();
      const [row] = await healthRows(bindingId);
      if (row) return toHealth(row, now);
      await deps.bindings.show(bindingId); // removed between the two reads: throws the same not-found
      throw new Error(`binding ${bindingId} vanished between two reads`);
    },
    async activity(query) {
      const { range, tz, bindingId } = activityQuerySchema.parse(query ?? {});
      if (bindingId !== undefined) await deps.bindings.show(bindingId);
      const { unit, count } = RANGES[range];
      const now = new Date(clock.now()).toISOString();
      const step = `1 ${unit}`;
      // Buckets are hours or days of `tz` as local (zone-less) timestamps, so a day is a calendar day there even
      // across a daylight-saving change; each one's start goes back to an instant with `timezone(tz, …)`.
      const series = await sql<{ local: string; start: Date | string }>`
        select to_char(s.local, 'YYYY-MM-DD"T"HH24:MI') as local, timezone(${tz}, s.local) as start
        from generate_series(
          date_trunc(${unit}, timezone(${tz}, ${now}::timestamptz)) - ${count - 1} * ${step}::interval,
          date_trunc(${unit}, timezone(${tz}, ${now}::timestamptz)),
          ${step}::interval) as s(local)
        order by s.local`.execute(db);
      const first = series.rows[0]!;
      const grouped = await sql<{ local: string; kind: string; status: string; runs: number; calls: number; throttled: number; events: number }>`
        select to_char(date_trunc(${unit}, timezone(${tz}, r.created_at)), 'YYYY-MM-DD"T"HH24:MI') as local,
          r.kind, r.status, count(*) as runs,
          coalesce(sum((r.api_calls->>'total')::bigint), 0) as calls,
          coalesce(sum((r.api_calls->>'throttled')::bigint), 0) as throttled,
          coalesce(sum((r.counts->>'events')::bigint), 0) as events
        from sync_runs r
        where r.created_at >= ${iso(first.start)}::timestamptz and r.created_at <= ${now}::timestamptz
          ${bindingId === undefined ? sql`` : sql`and r.binding_id = ${bindingId}`}
        group by 1, 2, 3`.execute(db);
      const buckets = new Map<string, ActivityBucket>(
        series.rows.map((row) => [row.local, emptyBucket(iso(row.start)!)]),
      );
      for (const row of grouped.rows) {
        const bucket = buckets.get(row.local);
        if (!bucket) continue; // a run created in the last instant of a bucket boundary race; the next read has it
        const runs = Number(row.runs);
        const kind = row.kind as keyof ActivityBucket['runs']['byKind'];
        const status = row.status as keyof ActivityBucket['runs']['byStatus'];
        bucket.runs.total += runs;
        bucket.runs.byKind[kind] += runs;
        bucket.runs.byStatus[status] += runs;
        bucket.apiCalls += Number(row.calls);
        bucket.throttled += Number(row.throttled);
        bucket.events += Number(row.events);
      }
      const activity: Activity = { range, tz, bucket: unit, buckets: [...buckets.values()] };
      return activity;
    },
  };
}

function emptyBucket(start: string): ActivityBucket {
  const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
  return { start, runs: { total: 0, byStatus: zeros(RUN_STATUSES), byKind: zeros(RUN_KINDS) }, apiCalls: 0, throttled: 0, events: 0 };
}

/** The summary state of {@link BindingHealth} (its TSDoc says what each means). */
function stateOf(health: Omit<BindingHealth, 'state'>): BindingHealth['state'] {
  const run = health.lastRun;
  if (!run) return health.events.failed > 0 || health.outbound.failed > 0 ? 'error' : 'idle';
  if (run.status === 'failed' || health.events.failed > 0 || health.outbound.failed > 0 || health.credentials.state === 'failing') return 'error';
  const streamDown = health.stream !== null && health.stream.state !== 'open';
  if (run.status === 'partial' || health.heldRuns > 0 || (health.events.lagSeconds ?? 0) > EVENT_LAG_WARNING_SECONDS || streamDown) return 'warning';
  return 'ok';
}

/** A timestamp as both drivers return it (a Date; PGlite may give text for computed columns) → ISO, or null. */
function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
