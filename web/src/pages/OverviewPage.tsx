/**
 * Overview: each binding with its health (last run, event lag, errors, credentials), charts of runs, DingTalk
 * calls and events over time, the held runs waiting for a decision, and the recent runs.
 */
import { Card, Col, Row, Table, Typography } from 'antd';
import type { BindingHealth } from '../api-client.ts';
import { CredentialsTag, EventLag, HealthErrors, HealthStateTag } from '../BindingHealthPanel.tsx';
import { ActivityCharts } from '../charts/ActivityCharts.tsx';
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
      const [overview, runs, held] = await Promise.all([api.overview(), api.listRuns({ limit: 100 }), api.listRuns({ status: 'held', limit: 50 })]);
      return { bindings: overview.bindings, runs, held };
    },
    [api],
    { poll: ({ runs }) => runs.some((run) => run.status === 'queued' || run.status === 'running'), intervalMs: 2000 },
  );
  const { bindings = [], runs = [], held = [] } = loaded.data ?? {};
  const names = new Map(bindings.map((b) => [b.bindingId, b.name]));
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('nav.overview')}
      </Typography.Title>
      <ErrorAlert error={loaded.error} />
      <Row gutter={[16, 16]}>
        <Col span={24}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('overview.bindings')}</h2>}>
            <Table<BindingHealth>
              rowKey="bindingId"
              size="small"
              loading={loaded.loading && !loaded.data}
              dataSource={bindings}
              pagination={false}
              scroll={{ x: 'max-content' }}
              data-testid="overview-bindings"
              columns={[
                { title: t('common.name'), render: (_, b) => <Link to={`/bindings/${b.bindingId}`}>{b.name}</Link> },
                { title: t('health.state'), render: (_, b) => <HealthStateTag health={b} /> },
                {
                  title: t('overview.lastRun'),
                  render: (_, b) =>
                    b.lastRun ? (
                      <Link to={`/runs/${b.lastRun.id}`}>
                        <StatusTag status={b.lastRun.status} /> <Time iso={b.lastRun.endedAt ?? b.lastRun.createdAt} />
                      </Link>
                    ) : (
                      t('overview.noRuns')
                    ),
                },
                { title: t('health.eventLag'), render: (_, b) => <EventLag health={b} /> },
                { title: t('health.errors'), render: (_, b) => <HealthErrors health={b} /> },
                { title: t('health.credentials'), render: (_, b) => <CredentialsTag health={b} /> },
              ]}
            />
          </Card>
        </Col>
        <Col span={24}>
          {/* Read again when a run starts or ends, so a sync just finished is in the charts. */}
          <ActivityCharts refresh={runs.map((run) => `${run.id}:${run.status}`).join()} />
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
