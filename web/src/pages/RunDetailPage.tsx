/**
 * One run: live progress while it runs (polled each second), its counts and DingTalk calls, why it was held with
 * approve/reject, and its operations — the plan of a dry run or a held run — with status and kind filters, each
 * one's change field by field (expand a row), and the reason of each failure.
 */
import { App, Button, Card, Descriptions, Progress, Segmented, Select, Space, Steps, Table, Typography } from 'antd';
import { useState } from 'react';
import type { PlanOpKind } from '../../../src/sync/plan-operation.ts';
import type { RunOpView, RunView } from '../api-client.ts';
import { useI18n, type MessageKey } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';
import { ErrorAlert, StatusTag, Time } from '../ui.tsx';

const STEPS = ['crawl', 'load', 'plan', 'guard', 'apply'] as const;
const OP_STATUSES = ['planned', 'applied', 'failed', 'skipped'] as const;
type OpStatus = (typeof OP_STATUSES)[number];
/** Every plan operation kind, in plan order; a Record so that a kind added to the server's plan fails `tsc -p web` here. */
const OP_KIND_SET: Record<PlanOpKind, true> = {
  'unit.create': true,
  'unit.update': true,
  'unit.delete': true,
  'account.create': true,
  'account.link': true,
  'account.update': true,
  'account.enable': true,
  'account.disable': true,
  'account.delete': true,
  'membership.add': true,
  'membership.update': true,
  'membership.remove': true,
};
const OP_KINDS = Object.keys(OP_KIND_SET) as PlanOpKind[];
const opLabel = (kind: string): MessageKey => `plan.op.${kind}` as MessageKey;
const isLive = (run: RunView) => run.status === 'queued' || run.status === 'running';

export function RunDetailPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { message } = App.useApp();
  const [opStatus, setOpStatus] = useState<OpStatus | 'all'>('all');
  const [opKind, setOpKind] = useState<PlanOpKind>();
  const [deciding, setDeciding] = useState(false);
  const [decisionError, setDecisionError] = useState<Error>();
  const run = useLoad(() => api.showRun(id), [api, id], { poll: isLive, intervalMs: 1000 });
  const status = run.data?.status;
  const ops = useLoad(
    () => api.runOps(id, { status: opStatus === 'all' ? undefined : opStatus, op: opKind, limit: 500 }),
    [api, id, opStatus, opKind, status],
  );

  const decide = async (approve: boolean) => {
    setDeciding(true);
    setDecisionError(undefined);
    try {
      await (approve ? api.approveRun(id) : api.rejectRun(id));
      void message.success(t(approve ? 'runs.approved' : 'runs.rejected'));
      run.reload();
    } catch (error) {
      setDecisionError(error instanceof Error ? error : new Error(String(error)));
    } finally {
      setDeciding(false);
    }
  };

  const view = run.data;
  const planned = view ? Object.values(view.counts.ops ?? {}).reduce((sum, n) => sum + n, 0) : 0;
  const done = view ? view.applied + view.failed + view.skipped : 0;
  const stepIndex = view?.step ? STEPS.indexOf(view.step) : view && !isLive(view) ? STEPS.length : 0;
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('runs.detail')} {id.slice(0, 8)} {view && <StatusTag status={view.status} />}
      </Typography.Title>
      <ErrorAlert error={run.error} />
      {view && (
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('runs.progress')}</h2>} data-testid="run-progress" data-status={view.status}>
            <Steps
              size="small"
              current={stepIndex}
              status={view.status === 'failed' ? 'error' : isLive(view) ? 'process' : 'finish'}
              items={STEPS.map((step) => ({ title: t(`step.${step}`) }))}
            />
            {/* A dry run or a held run applies nothing (yet): a bar stuck at 0 % would read as a stalled run. */}
            {planned > 0 && !view.dryRun && view.status !== 'held' && view.status !== 'rejected' && <Progress aria-label={t('runs.progress')} percent={Math.round((done / planned) * 100)} status={isLive(view) ? 'active' : undefined} style={{ marginTop: 16 }} />}
            <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginTop: 16 }}>
              <Descriptions.Item label={t('runs.binding')}>
                <Link to={`/bindings/${view.bindingId}`}>{view.bindingId.slice(0, 8)}</Link>
              </Descriptions.Item>
              <Descriptions.Item label={t('common.kind')}>{`${t(`plan.kind.${view.kind}`)}${view.dryRun ? ` (${t('runs.dryRun')})` : ''}`}</Descriptions.Item>
              <Descriptions.Item label={t('common.created')}>
                <Time iso={view.createdAt} />
              </Descriptions.Item>
              <Descriptions.Item label={t('runs.applied')}>
                <span data-testid="run-applied">{view.applied}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('runs.failed')}>{view.failed}</Descriptions.Item>
              <Descriptions.Item label={t('runs.skipped')}>{view.skipped}</Descriptions.Item>
              <Descriptions.Item label={t('runs.planned')}>
                {Object.entries(view.counts.ops ?? {})
                  .filter(([, n]) => n > 0)
                  .map(([kind, n]) => `${t(opLabel(kind)) ?? kind} ${n}`)
                  .join(', ') || t('common.none')}
              </Descriptions.Item>
              <Descriptions.Item label={t('runs.apiCalls')}>{view.apiCalls.total}</Descriptions.Item>
              <Descriptions.Item label={t('plan.crawled')}>
                <span data-testid="run-crawled">
                  {view.counts.departments === undefined ? '—' : t('plan.crawledCounts', { departments: view.counts.departments, users: view.counts.users ?? 0 })}
                </span>
              </Descriptions.Item>
              {(view.counts.review ?? 0) > 0 && <Descriptions.Item label={t('plan.review')}>{view.counts.review}</Descriptions.Item>}
              {view.stepSeconds && (
                <Descriptions.Item label={t('plan.stepSeconds')}>
                  {STEPS.filter((step) => view.stepSeconds?.[step] !== undefined)
                    .map((step) => `${t(`step.${step}`)} ${view.stepSeconds![step]!.toFixed(1)} s`)
                    .join(' · ')}
                </Descriptions.Item>
              )}
            </Descriptions>
            {view.error && <ErrorAlert error={new Error(`${view.error.code}: ${view.error.message}`)} />}
          </Card>
          {view.guard && view.guard.verdict === 'hold' && (
            <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('runs.guard')}</h2>} data-testid="run-guard">
              <ul>
                {view.guard.reasons.map((reason, index) => (
                  <li key={index}>{describeReason(reason)}</li>
                ))}
              </ul>
              <ErrorAlert error={decisionError} />
              {view.status === 'held' && (
                <Space>
                  <Button type="primary" loading={deciding} onClick={() => void decide(true)} data-testid="approve">
                    {t('runs.approve')}
                  </Button>
                  <Button danger loading={deciding} onClick={() => void decide(false)} data-testid="reject">
                    {t('runs.reject')}
                  </Button>
                </Space>
              )}
            </Card>
          )}
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('runs.ops')}</h2>}>
            <Space wrap style={{ marginBottom: 16 }}>
              <Segmented<OpStatus | 'all'>
                aria-label={t('runs.filter')}
                value={opStatus}
                onChange={setOpStatus}
                options={[{ value: 'all', label: t('common.all') }, ...OP_STATUSES.map((s) => ({ value: s, label: t(`status.${s}` as MessageKey) }))]}
              />
              <Select<PlanOpKind>
                aria-label={t('plan.filterOp')}
                placeholder={t('plan.anyOp')}
                allowClear
                value={opKind}
                onChange={setOpKind}
                style={{ minWidth: 200 }}
                data-testid="op-kind-filter"
                options={OP_KINDS.map((kind) => ({ value: kind, label: t(opLabel(kind)) }))}
              />
            </Space>
            <ErrorAlert error={ops.error} />
            <Table<RunOpView>
              rowKey="seq"
              size="small"
              loading={ops.loading && !ops.data}
              dataSource={ops.data ?? []}
              pagination={{ pageSize: 20, showSizeChanger: false }}
              data-testid="run-ops"
              expandable={{
                expandedRowRender: (op) => <FieldChanges op={op} />,
                expandIcon: ({ expanded, onExpand, record }) => (
                  <Button
                    type="text"
                    size="small"
                    aria-expanded={expanded}
                    aria-label={`${t('plan.showChanges')} #${record.seq}`}
                    data-testid="expand-op"
                    onClick={(event) => onExpand(record, event)}
                  >
                    {expanded ? '−' : '+'}
                  </Button>
                ),
              }}
              columns={[
                { title: '#', dataIndex: 'seq', width: 70 },
                { title: t('runs.op'), render: (_, op) => <span title={op.op}>{t(opLabel(op.op)) ?? op.op}</span> },
                {
                  title: t('runs.target'),
                  render: (_, op) =>
                    op.targetKind !== 'unit' && op.localId ? (
                      <Link to={`/directory/accounts/${op.localId}`}>{summaryOf(op)}</Link>
                    ) : (
                      summaryOf(op)
                    ),
                },
                { title: t('common.status'), render: (_, op) => <StatusTag status={op.status} /> },
                { title: t('runs.reason'), render: (_, op) => op.reason ?? '' },
              ]}
            />
          </Card>
        </Space>
      )}
    </>
  );
}

/** A guard reason is `{code, message, …}`; older or unknown shapes are shown as JSON rather than dropped. */
function describeReason(reason: unknown): string {
  if (typeof reason === 'object' && reason !== null && 'message' in reason && typeof reason.message === 'string') {
    return 'code' in reason && typeof reason.code === 'string' ? `${reason.message} (${reason.code})` : reason.message;
  }
  return JSON.stringify(reason);
}

/** What the operation is about, for the table: a name when the change carries one, else DingTalk's id. */
function summaryOf(op: RunOpView): string {
  const values = { ...asRecord(op.before), ...asRecord(op.after) };
  const name = typeof values.displayName === 'string' ? values.displayName : typeof values.name === 'string' ? values.name : undefined;
  const id = op.externalId ?? op.localId ?? '—';
  return name ? `${name} (${id})` : id;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const shown = (value: unknown): string => (value === undefined || value === null ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

/** One operation's change field by field: every field either side records, before and after. */
function FieldChanges({ op }: { op: RunOpView }) {
  const { t } = useI18n();
  const before = asRecord(op.before);
  const after = asRecord(op.after);
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  if (fields.length === 0) return <Typography.Text type="secondary">{t('plan.noFields')}</Typography.Text>;
  return (
    <Table<{ field: string }>
      size="small"
      pagination={false}
      rowKey="field"
      data-testid="op-fields"
      dataSource={fields.map((field) => ({ field }))}
      columns={[
        { title: t('plan.field'), dataIndex: 'field', width: 200 },
        { title: t('plan.before'), render: (_, row) => <del style={{ textDecoration: op.before === null ? 'none' : undefined }}>{shown(before[row.field])}</del> },
        { title: t('plan.after'), render: (_, row) => <ins style={{ textDecoration: 'none' }}>{shown(after[row.field])}</ins> },
      ]}
    />
  );
}
