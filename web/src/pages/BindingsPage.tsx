/** Bindings: every bound DingTalk organization; each links to its page. */
import { PlusOutlined } from '@ant-design/icons';
import { Button, Table, Typography } from 'antd';
import type { BindingView } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';
import { ErrorAlert, Time } from '../ui.tsx';

export function BindingsPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const loaded = useLoad(() => api.listBindings(), [api]);
  return (
    <>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline' }}>
        <Typography.Title level={1} style={{ fontSize: 24 }}>
          {t('bindings.title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} href="/bindings/new" onClick={(event) => (event.preventDefault(), navigate('/bindings/new'))} data-testid="new-binding">
          {t('wizard.new')}
        </Button>
      </div>
      <ErrorAlert error={loaded.error} />
      <Table<BindingView>
        rowKey="id"
        loading={loaded.loading && !loaded.data}
        dataSource={loaded.data ?? []}
        pagination={false}
        columns={[
          { title: t('common.name'), render: (_, b) => <Link to={`/bindings/${b.id}`} testId="binding-link">{b.name}</Link> },
          { title: t('bindings.corpId'), dataIndex: 'corpId' },
          { title: t('bindings.appKey'), dataIndex: 'appKey' },
          { title: t('bindings.events'), render: (_, b) => b.events.mode },
          { title: t('common.created'), render: (_, b) => <Time iso={b.createdAt} /> },
        ]}
      />
    </>
  );
}
