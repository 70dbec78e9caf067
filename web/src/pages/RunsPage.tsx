/** Runs: every run, newest first, filterable by status; each links to its detail. */
import { Button, Segmented, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import type { RunView } from '../api-client.ts';
import { useI18n, type MessageKey } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';
import { ErrorAlert, StatusTag, Time } from '../ui.tsx';

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed', 'held', 'rejected'] as const;
type RunStatus = (typeof RUN_STATUSES)[number];

/** A table of runs (used here, on the overview and on a binding's page). */
export function RunsTable({ runs, names, loading }: { runs: RunView[]; names: Map<string, string>; loading?: boolean }) {
  const { t } = useI18n();
  return (
    <Table<RunView>
      rowKey="id"
      size="small"
      loading={loading}
      dataSource={runs}
      pagination={runs.length > 20 ? { pageSize: 20 } : false}
      columns={[
        {
          title: t('common.status'),
          render: (_, run) => (
            <Link to={`/runs/${run.id}`} testId={`run-link-${run.status}`}>
              <StatusTag status={run.status} />
            </Link>
          ),
        },
        { title: t('runs.binding'), render: (_, run) => <Link to={`/bindings/${run.bindingId}`}>{names.get(run.bindingId) ?? run.bindingId.slice(0, 8)}</Link> },
        { title: t('common.kind'), render: (_, run) => `${t(`plan.kind.${run.kind}`)}${run.dryRun ? ` (${t('runs.dryRun')})` : ''}` },
        { title: t('runs.applied'), dataIndex: 'applied' },
        { title: t('runs.failed'), dataIndex: 'failed' },
        { title: t('common.created'), render: (_, run) => <Time iso={run.createdAt} /> },
      ]}
    />
  );
}

export function RunsPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const [status, setStatus] = useState<RunStatus | 'all'>('all');
  const loaded = useLoad(
    async () => {
      const [runs, bindings] = await Promise.all([api.listRuns({ limit: 200, status: status === 'all' ? undefined : status }), api.listBindings()]);
      return { runs, names: new Map(bindings.map((b) => [b.id, b.name])) };
    },
    [api, status],
    { poll: ({ runs }) => runs.some((run) => run.status === 'queued' || run.status === 'running'), intervalMs: 2000 },
  );
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('runs.title')}
      </Typography.Title>
      <ErrorAlert error={loaded.error} />
      <Space style={{ marginBottom: 16 }} wrap>
        <Segmented<RunStatus | 'all'>
          aria-label={t('common.status')}
          value={status}
          onChange={setStatus}
          options={[{ value: 'all', label: t('common.all') }, ...RUN_STATUSES.map((s) => ({ value: s, label: t(`status.${s}` as MessageKey) }))]}
        />
        <Button onClick={loaded.reload}>{t('common.refresh')}</Button>
      </Space>
      <RunsTable runs={loaded.data?.runs ?? []} names={loaded.data?.names ?? new Map()} loading={loaded.loading && !loaded.data} />
    </>
  );
}
