/** One binding: its settings, "run full sync" (then to the run's live page), the permission check, its runs. */
import { App, Button, Card, Descriptions, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import type { BindingCheckReport } from '../api-client.ts';
import { BindingHealthPanel } from '../BindingHealthPanel.tsx';
import { useI18n } from '../i18n.tsx';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';
import { ErrorAlert, StatusTag, Time } from '../ui.tsx';
import { RunsTable } from './RunsPage.tsx';

type CheckItem = BindingCheckReport['items'][number];

export function BindingDetailPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { message } = App.useApp();
  const loaded = useLoad(async () => {
    const [binding, runs] = await Promise.all([api.showBinding(id), api.listRuns({ bindingId: id, limit: 20 })]);
    return { binding, runs };
  }, [api, id]);
  const [actionError, setActionError] = useState<Error>();
  const [busy, setBusy] = useState<'sync' | 'check'>();
  const [report, setReport] = useState<BindingCheckReport>();

  const act = async (action: 'sync' | 'check') => {
    setBusy(action);
    setActionError(undefined);
    try {
      if (action === 'sync') {
        const run = await api.syncBinding(id);
        void message.success(t('bindings.syncQueued'));
        navigate(`/runs/${run.id}`);
      } else {
        setReport(await api.checkBinding(id));
      }
    } catch (error) {
      setActionError(error instanceof Error ? error : new Error(String(error)));
    } finally {
      setBusy(undefined);
    }
  };

  const binding = loaded.data?.binding;
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {binding?.name ?? t('bindings.title')}
      </Typography.Title>
      <ErrorAlert error={loaded.error} />
      <ErrorAlert error={actionError} />
      {binding && (
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <BindingHealthPanel id={binding.id} />
          <Card>
            <Descriptions size="small" column={{ xs: 1, md: 2 }}>
              <Descriptions.Item label={t('bindings.corpId')}>{binding.corpId}</Descriptions.Item>
              <Descriptions.Item label={t('bindings.appKey')}>{binding.appKey}</Descriptions.Item>
              <Descriptions.Item label={t('bindings.events')}>{binding.events.mode}</Descriptions.Item>
              <Descriptions.Item label={t('bindings.schedule')}>
                <Time iso={binding.nextScheduledAt} />
              </Descriptions.Item>
              <Descriptions.Item label={t('common.created')}>
                <Time iso={binding.createdAt} />
              </Descriptions.Item>
            </Descriptions>
            <Space style={{ marginTop: 16 }}>
              <Button type="primary" loading={busy === 'sync'} onClick={() => void act('sync')} data-testid="run-sync">
                {t('bindings.sync')}
              </Button>
              <Button loading={busy === 'check'} onClick={() => void act('check')} data-testid="run-check">
                {t('bindings.check')}
              </Button>
              <Button onClick={() => navigate(`/bindings/${id}/outbound`)} data-testid="open-outbound">
                {t('outbound.open')}
              </Button>
            </Space>
          </Card>
          {report && (
            <Card
              data-testid="check-report"
              data-ok={String(report.ok)}
              title={<h2 style={{ fontSize: 16, margin: 0 }}>{t(report.ok ? 'bindings.checkOk' : 'bindings.checkFailed')}</h2>}
            >
              <Table<CheckItem>
                rowKey="key"
                size="small"
                pagination={false}
                dataSource={report.items}
                columns={[
                  { title: t('bindings.item'), dataIndex: 'key' },
                  { title: t('common.status'), render: (_, item) => <StatusTag status={item.status} /> },
                  { title: t('bindings.message'), dataIndex: 'message' },
                  { title: t('bindings.hint'), render: (_, item) => item.hint ?? '' },
                ]}
              />
            </Card>
          )}
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('bindings.runs')}</h2>}>
            <RunsTable runs={loaded.data?.runs ?? []} names={new Map([[binding.id, binding.name]])} />
          </Card>
        </Space>
      )}
    </>
  );
}
