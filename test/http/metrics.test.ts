/**
 * Metrics: own registry per instance, bounded labels, a throttle counted twice (call and throttle).
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/http/index.ts';

async function valueOf(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>) {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('metrics', () => {
  it('counts calls and throttles per API, unknown APIs and outcomes as other', async () => {
    const metrics = createMetrics();
    metrics.observeCall({ api: 'gettoken', durationMs: 10, outcome: 'ok', attempt: 1 });
    metrics.observeCall({ api: 'topapi/v2/user/list', durationMs: 10, outcome: 'throttled', attempt: 1 });
    metrics.observeCall({ api: 'topapi/v2/user/list', durationMs: 10, outcome: 'ok', attempt: 2 });
    metrics.observeCall({ api: 'topapi/whatever/9f8e7d', durationMs: 10, outcome: 'dingtalk.timeout', attempt: 1 });
    metrics.observeCall({ api: 'topapi/other/1', durationMs: 10, outcome: 'made-up' as never, attempt: 1 });
    expect(await valueOf(metrics, 'dingbridge_dingtalk_calls_total', { api: 'gettoken', outcome: 'ok' })).toBe(1);
    expect(await valueOf(metrics, 'dingbridge_dingtalk_calls_total', { api: 'topapi/v2/user/list', outcome: 'throttled' })).toBe(1);
    expect(await valueOf(metrics, 'dingbridge_dingtalk_throttles_total', { api: 'topapi/v2/user/list' })).toBe(1);
    expect(await valueOf(metrics, 'dingbridge_dingtalk_calls_total', { api: 'other', outcome: 'dingtalk.timeout' })).toBe(1);
    expect(await valueOf(metrics, 'dingbridge_dingtalk_calls_total', { api: 'other', outcome: 'other' })).toBe(1);
  });

  it('counts runs, ops and step durations with bounded labels', async () => {
    const metrics = createMetrics();
    metrics.observeRunEnded('full', 'partial');
    metrics.observeRunEnded('weird', 'exploded');
    metrics.observeOps('account.create', 'applied', 40);
    metrics.observeOps('account.create', 'applied', 2);
    metrics.observeOps('membership.remove', 'failed', 0);
    metrics.observeStep('crawl', 12.5);
    metrics.observeStep('teleport', 1);
    expect(await valueOf(metrics, 'dingbridge_sync_runs_total', { kind: 'full', status: 'partial' })).toBe(1);
    expect(await valueOf(metrics, 'dingbridge_sync_runs_total', { kind: 'other', status: 'other' })).toBe(1);
    expect(await valueOf(metrics, 'dingbridge_sync_ops_total', { op: 'account.create', status: 'applied' })).toBe(42);
    expect(await valueOf(metrics, 'dingbridge_sync_ops_total', { op: 'membership.remove', status: 'failed' })).toBeUndefined();
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('dingbridge_sync_step_seconds_sum{step="crawl"} 12.5');
    expect(body).toContain('dingbridge_sync_step_seconds_count{step="other"} 1');
  });

  it('keeps each instance apart (no global registry)', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.observeRunEnded('full', 'succeeded');
    expect(await valueOf(a, 'dingbridge_sync_runs_total', { kind: 'full', status: 'succeeded' })).toBe(1);
    expect(await valueOf(b, 'dingbridge_sync_runs_total', { kind: 'full', status: 'succeeded' })).toBeUndefined();
  });
});
