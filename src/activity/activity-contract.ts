/**
 * The public contract of activity (issue 8): each binding's health — its last run, event lag and errors — and
 * counts over time of runs, DingTalk calls and processed events, for the console's overview and charts. Read from
 * the tables (sync runs, event inbox, outbox); nothing here calls DingTalk.
 */
import { z } from 'zod';
import { isTimeZone } from '../core/index.ts';

/** Run error codes that mean DingTalk refused the binding's credentials or a permission (`src/dingtalk/`). */
export const CREDENTIAL_ERROR_CODES = [
  'dingtalk.invalid_credentials',
  'dingtalk.invalid_token',
  'dingtalk.permission_denied',
  'dingtalk.ip_blocked',
  'dingtalk.out_of_scope',
] as const;

/** Pending events older than this make a binding's health `warning`: the processor normally drains in seconds. */
export const EVENT_LAG_WARNING_SECONDS = 300;

export const RUN_KINDS = ['full', 'event', 'reconcile'] as const;
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed', 'held', 'rejected'] as const;

export const bindingHealthSchema = z.object({
  bindingId: z.uuid(),
  name: z.string(),
  corpId: z.string(),
  /**
   * The summary: `error` (the last run failed, or events or outbound deliveries failed, or DingTalk refused the
   * credentials), `warning` (the last run was partial or is held, or events wait longer than
   * {@link EVENT_LAG_WARNING_SECONDS}, or the Stream connection is not open), `ok`, or `idle` (never synced).
   */
  state: z.enum(['ok', 'warning', 'error', 'idle']),
  /** The latest run of any kind, dry runs included. */
  lastRun: z
    .object({
      id: z.uuid(),
      kind: z.enum(RUN_KINDS),
      status: z.enum(RUN_STATUSES),
      dryRun: z.boolean(),
      /** Operations of that run that failed. */
      failedOps: z.number(),
      errorCode: z.string().nullable(),
      createdAt: z.iso.datetime(),
      endedAt: z.iso.datetime().nullable(),
    })
    .nullable(),
  /** The latest full or scheduled sync (event runs are frequent and small; this one says the directory is whole). */
  lastFullSyncAt: z.iso.datetime().nullable(),
  /** Held runs of the binding waiting for approve/reject. */
  heldRuns: z.number(),
  events: z.object({
    /** Events stored and not yet processed (including those waiting for a retry). */
    pending: z.number(),
    /** Age of the oldest pending event, in seconds: the event lag. Null when nothing waits. */
    lagSeconds: z.number().nullable(),
    oldestPendingAt: z.iso.datetime().nullable(),
    /** When the last event arrived (HTTP push, Stream or the failed-event list). */
    lastReceivedAt: z.iso.datetime().nullable(),
    /** Events given up on after their retries (`last_error` says why). */
    failed: z.number(),
  }),
  outbound: z.object({
    /** Local changes waiting to be pushed to DingTalk. */
    pending: z.number(),
    /** Deliveries given up on after their retries (`dingbridge outbound retry` queues them again). */
    failed: z.number(),
  }),
  /**
   * The Stream connection (§9) as the replica that answered holds it; null unless the binding is in Stream mode and
   * this process runs the listener. Every replica connects on its own, so another replica may be in another state.
   */
  stream: z
    .object({
      state: z.enum(['idle', 'connecting', 'open', 'backoff', 'closed']),
      connectedAt: z.iso.datetime().nullable(),
      lastEventAt: z.iso.datetime().nullable(),
      /** Connections opened after the first (DingTalk's periodic disconnects included). */
      reconnects: z.number(),
      lastError: z.string().nullable(),
    })
    .nullable(),
  /**
   * What the last run that reached DingTalk says of the credentials and permissions: `ok` (it crawled), `failing`
   * (DingTalk refused: see `code`, `message`), `unknown` (no such run yet). Never a live call: the binding's
   * **Check** asks DingTalk.
   */
  credentials: z.object({
    state: z.enum(['ok', 'failing', 'unknown']),
    code: z.string().nullable(),
    message: z.string().nullable(),
    at: z.iso.datetime().nullable(),
  }),
});
export type BindingHealth = z.infer<typeof bindingHealthSchema>;

export const overviewSchema = z.object({
  /** When the figures were read (lags are relative to it). */
  at: z.iso.datetime(),
  bindings: z.array(bindingHealthSchema),
});
export type Overview = z.infer<typeof overviewSchema>;

export const ACTIVITY_RANGES = ['24h', '7d', '30d'] as const;
export type ActivityRange = (typeof ACTIVITY_RANGES)[number];

/** An IANA time zone name the runtime knows (`Asia/Shanghai`, `UTC`). */
const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, 'an IANA time zone name such as Asia/Shanghai or UTC');

export const activityQuerySchema = z.object({
  /** `24h`: 24 hourly buckets; `7d`, `30d`: daily buckets. */
  range: z.enum(ACTIVITY_RANGES).default('24h'),
  /** Where days (and hours, for zones with a half-hour offset) begin; default UTC. */
  tz: timeZoneSchema.default('UTC'),
  bindingId: z.uuid().optional(),
});
export type ActivityQuery = z.input<typeof activityQuerySchema>;

export const activityBucketSchema = z.object({
  /** Start of the bucket (an hour or a day in `tz`). */
  start: z.iso.datetime({ offset: true }),
  /** Runs created in the bucket; every status and kind is present (0 when none). */
  runs: z.object({
    total: z.number(),
    byStatus: z.record(z.enum(RUN_STATUSES), z.number()),
    byKind: z.record(z.enum(RUN_KINDS), z.number()),
  }),
  /** DingTalk HTTP attempts made by the runs created in the bucket (token included). */
  apiCalls: z.number(),
  /** Of those, the ones DingTalk answered with a rate limit. */
  throttled: z.number(),
  /** Events applied by the event runs of the bucket. */
  events: z.number(),
});
export type ActivityBucket = z.infer<typeof activityBucketSchema>;

export const activitySchema = z.object({
  range: z.enum(ACTIVITY_RANGES),
  tz: z.string(),
  bucket: z.enum(['hour', 'day']),
  /** Oldest first; the last bucket holds now. */
  buckets: z.array(activityBucketSchema),
});
export type Activity = z.infer<typeof activitySchema>;

/**
 * Activity as the HTTP routes use it. Errors: `binding.not_found` (404).
 *
 * @example
 * const { bindings } = await activity.overview();
 * const { buckets } = await activity.activity({ range: '7d', tz: 'Asia/Shanghai' });
 */
export interface ActivityService {
  overview(): Promise<Overview>;
  health(bindingId: string): Promise<BindingHealth>;
  activity(query?: ActivityQuery): Promise<Activity>;
}
