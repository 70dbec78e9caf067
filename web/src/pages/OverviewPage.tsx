/** Overview: each binding with its last run, the held runs waiting for a decision, and the recent runs. */
import { Card, Col, Row, Table, Typography } from 'antd';
import type { BindingView, RunView } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';
import { ErrorAlert, StatusTag, Time } from '../ui.tsx';
import { RunsTable } from './RunsPage.tsx';

export function OverviewPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const loaded = useLoad(
    async () => {
      const [bindings, runs, held] = await Promise.all([api.listBindings(), api.listRuns({ limit: 100 }), api.listRuns({ status: 'held', limit: 50 })]);
      return { bindings, runs, held };
    },
    [api],
    { poll: ({ runs }) => runs.some((run) => run.status === 'queued' || run.status === 'running'), intervalMs: 2000 },
  );
  const { bindings = [], runs = [], held = [] } = loaded.data ?? {};
  const names = new Map(bindings.map((b) => [b.id, b.name]));
  const lastRun = (binding: BindingView): RunView | undefined => runs.find((run) => run.bindingId === binding.id);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('nav.overview')}
      </Typography.Title>
      <ErrorAlert error={loaded.error} />
      <Row gutter={[16, 16]}>
        <Col span={24}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('overview.bindings')}</h2>}>
            <Table<BindingView>
              rowKey="id"
              size="small"
              loading={loaded.loading && !loaded.data}
              dataSource={bindings}
              pagination={false}
              data-testid="overview-bindings"
              columns={[
                { title: t('common.name'), render: (_, b) => <Link to={`/bindings/${b.id}`}>{b.name}</Link> },
                { title: t('bindings.corpId'), dataIndex: 'corpId' },
                {
                  title: t('overview.lastRun'),
                  render: (_, b) => {
                    const run = lastRun(b);
                    return run ? (
                      <Link to={`/runs/${run.id}`}>
                        <StatusTag status={run.status} /> <Time iso={run.endedAt ?? run.createdAt} />
                      </Link>
                    ) : (
                      t('overview.noRuns')
                    );
                  },
                },
              ]}
            />
          </Card>
        </Col>
        <Col span={24}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('overview.held')}</h2>} data-testid="overview-held">
            <RunsTable runs={held} names={names} loading={loaded.loading && !loaded.data} />
          </Card>
        </Col>
        <Col span={24}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('overview.recent')}</h2>}>
            <RunsTable runs={runs.slice(0, 10)} names={names} loading={loaded.loading && !loaded.data} />
          </Card>
        </Col>
      </Row>
    </>
  );
}
