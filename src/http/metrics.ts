/**
 * Prometheus metrics of a Dingbridge process (`GET /metrics`). Each {@link createMetrics} has its own registry, never
 * prom-client's global one, so tests (and two apps in one process) do not collide. Every label takes values from a
 * fixed list, unknown values becoming `other`, so a bad caller cannot grow the series without bound.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { apiPermissions, dingTalkErrorCodes, type CallInfo } from '../dingtalk/index.ts';
import { SYNC_OP_STATUSES, SYNC_RUN_KINDS, SYNC_RUN_STATUSES } from '../db/index.ts';
import { CALLBACK_OUTCOMES } from '../events/index.ts';
import { PLAN_OP_KINDS } from '../sync/index.ts';
import { RUN_STEPS } from '../sync/sync-run-contract.ts';

/** Every API name the DingTalk client reports (`CallInfo.api`); anything else counts as `other`. */
const DINGTALK_APIS: ReadonlySet<string> = new Set([
  ...Object.keys(apiPermissions),
  'gettoken',
  'auth/scopes',
  'topapi/user/count',
  'topapi/v2/department/get',
  'topapi/v2/department/listparentbydept',
  'topapi/v2/department/listparentbyuser',
  'topapi/v2/user/getuserinfo',
  'v1.0/oauth2/accessToken',
  'v1.0/oauth2/userAccessToken',
]);
const CALL_OUTCOMES: ReadonlySet<string> = new Set(['ok', 'throttled', 'aborted', ...dingTalkErrorCodes]);
const RUN_KINDS: ReadonlySet<string> = new Set(SYNC_RUN_KINDS);
const RUN_STATUSES: ReadonlySet<string> = new Set(SYNC_RUN_STATUSES);
const OP_KINDS: ReadonlySet<string> = new Set(PLAN_OP_KINDS);
const OP_STATUSES: ReadonlySet<string> = new Set(SYNC_OP_STATUSES);
const STEPS: ReadonlySet<string> = new Set(RUN_STEPS);
/** The receiver's outcomes, as `src/events` names them. */
const CALLBACK_OUTCOME_SET: ReadonlySet<string> = new Set(CALLBACK_OUTCOMES);
/** The Stream listener's outcomes per EVENT frame (`StreamListenerMetrics` of `src/events`). */
const STREAM_EVENT_OUTCOMES: ReadonlySet<string> = new Set(['stored', 'duplicate', 'failed']);

export interface Metrics {
  readonly registry: Registry;
  /** One DingTalk HTTP attempt (the client's `onCall` hook); a `throttled` outcome also counts a throttle. */
  observeCall(info: CallInfo): void;
  /** A run reached a terminal status. */
  observeRunEnded(kind: string, status: string): void;
  /** `n` operations of kind `op` ended with `status`. */
  observeOps(op: string, status: string, n: number): void;
  /** A run step took `seconds`. */
  observeStep(step: string, seconds: number): void;
  /** One DingTalk HTTP push answered or refused (`CALLBACK_OUTCOMES` of `src/events`; anything else counts as `other`). */
  observeCallback(outcome: string): void;
  /** One Stream-mode EVENT frame handled: `stored`, `duplicate` or `failed` (answered LATER); else `other`. */
  observeStreamEvent(outcome: string): void;
  /** One Stream connection opened after a binding's first. */
  observeStreamReconnect(): void;
  /** The Prometheus text exposition and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * A registry with the default process metrics and Dingbridge's own.
 *
 * @example
 * const metrics = createMetrics();
 * const client = createDingTalkClient({ ..., onCall: (info) => metrics.observeCall(info) });
 * metrics.observeRunEnded('full', 'succeeded');
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const runs = new Counter({
    name: 'dingbridge_sync_runs_total',
    help: 'Sync runs that reached a terminal status, by kind and status.',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
  });
  const ops = new Counter({
    name: 'dingbridge_sync_ops_total',
    help: 'Sync operations by kind and result.',
    labelNames: ['op', 'status'] as const,
    registers: [registry],
  });
  const steps = new Histogram({
    name: 'dingbridge_sync_step_seconds',
    help: 'Duration of each sync run step (crawl, load, plan, guard, apply).',
    labelNames: ['step'] as const,
    // A plan takes milliseconds, a crawl of 100k people minutes.
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const calls = new Counter({
    name: 'dingbridge_dingtalk_calls_total',
    help: 'DingTalk HTTP attempts by API and outcome (retries and token calls included).',
    labelNames: ['api', 'outcome'] as const,
    registers: [registry],
  });
  const throttles = new Counter({
    name: 'dingbridge_dingtalk_throttles_total',
    help: 'DingTalk attempts refused for rate (90018, QpsLimit), by API.',
    labelNames: ['api'] as const,
    registers: [registry],
  });

  const callbacks = new Counter({
    name: 'dingbridge_callbacks_total',
    help: 'DingTalk HTTP pushes by outcome (stored, duplicate, check_url, or why refused)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  const streamEvents = new Counter({
    name: 'dingbridge_stream_events_total',
    help: 'DingTalk Stream-mode EVENT frames by outcome (stored, duplicate, failed = answered LATER)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const streamReconnects = new Counter({
    name: 'dingbridge_stream_reconnects_total',
    help: 'DingTalk Stream-mode connections opened after a binding\'s first (gateway disconnects, network errors)',
    registers: [registry],
  });

  return {
    registry,
    observeCallback(outcome) {
      callbacks.inc({ outcome: bounded(CALLBACK_OUTCOME_SET, outcome) });
    },
    observeStreamEvent(outcome) {
      streamEvents.inc({ outcome: bounded(STREAM_EVENT_OUTCOMES, outcome) });
    },
    observeStreamReconnect() {
      streamReconnects.inc();
    },
    observeCall(info) {
      const api = bounded(DINGTALK_APIS, info.api);
      calls.inc({ api, outcome: bounded(CALL_OUTCOMES, info.outcome) });
      if (info.outcome === 'throttled') throttles.inc({ api });
    },
    observeRunEnded(kind, status) {
      runs.inc({ kind: bounded(RUN_KINDS, kind), status: bounded(RUN_STATUSES, status) });
    },
    observeOps(op, status, n) {
      if (n > 0) ops.inc({ op: bounded(OP_KINDS, op), status: bounded(OP_STATUSES, status) }, n);
    },
    observeStep(step, seconds) {
      steps.observe({ step: bounded(STEPS, step) }, seconds);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

function bounded(known: ReadonlySet<string>, value: string): string {
  return known.has(value) ? value : 'other';
}
