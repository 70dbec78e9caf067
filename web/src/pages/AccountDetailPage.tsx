/**
 * One account: every field and its status, its DingTalk link (binding, CorpId, userid, unionid), its memberships
 * (unit path, main and leader flags), its history (sync operations and outbound deliveries, newest first), and
 * the edits local ownership allows: edit, disable/enable, remove, each refusal shown with the API's message.
 */
import { App, Alert, Button, Card, Descriptions, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import type { AccountHistoryEntry, AccountView } from '../api-client.ts';
import { useI18n, type MessageKey } from '../i18n.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ErrorAlert, StatusTag, Time } from '../ui.tsx';
import { deliveryReason } from '../delivery-reason.ts';
import { unitPath } from '../unit-tree.ts';
import { useAction } from '../use-action.ts';
import { useLoad } from '../use-load.ts';
import { AccountForm } from './AccountForm.tsx';
import { OwnedNote } from './OwnedNote.tsx';

const HISTORY_PAGE = 20;
type Membership = AccountView['memberships'][number];
type UserLink = AccountView['links'][number];

export function AccountDetailPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { message } = App.useApp();
  const [editing, setEditing] = useState(false);
  const [historyPage, setHistoryPage] = useState(1);
  const action = useAction();
  const loaded = useLoad(async () => {
    const [account, editable, units, bindings] = await Promise.all([api.showAccount(id), api.accountEditable(id), api.listUnits(), api.listBindings()]);
    return { account, editable, units, bindings };
  }, [api, id]);
  const history = useLoad(
    () => api.accountHistory(id, { offset: (historyPage - 1) * HISTORY_PAGE, limit: HISTORY_PAGE }),
    [api, id, historyPage, loaded.data?.account.updatedAt],
  );
  const bindingNames = useMemo(() => new Map((loaded.data?.bindings ?? []).map((b) => [b.id, b.name])), [loaded.data?.bindings]);

  const account = loaded.data?.account;
  const editable = loaded.data?.editable;
  const units = loaded.data?.units ?? [];
  // The fields DingTalk owns, named in the notice (removal is the Remove button's own state).
  const ownedFields = editable ? Object.entries(editable.fields).filter(([name, field]) => !field.editable && name !== 'remove') : [];

  const setStatus = async (enable: boolean) => {
    const done = await action.run(() => (enable ? api.enableAccount(id) : api.disableAccount(id)));
    if (done) {
      void message.success(t(enable ? 'directory.account.enabled' : 'directory.account.disabled'));
      loaded.reload();
    }
  };
  const remove = async () => {
    const done = await action.run(() => api.removeAccount(id));
    if (done) {
      void message.success(t('directory.account.removed'));
      navigate('/directory');
    }
  };

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {account?.displayName ?? t('directory.account.title')} {account && <StatusTag status={account.status} />}
      </Typography.Title>
      <ErrorAlert error={loaded.error} />
      <ErrorAlert error={action.error} />
      {account && editable && (
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <Card
            title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('directory.account.details')}</h2>}
            extra={
              <Space wrap>
                <Button type="primary" onClick={() => setEditing(true)} data-testid="account-edit">
                  {t('directory.account.edit')}
                </Button>
                {account.status === 'enabled' ? (
                  <Popconfirm title={t('directory.account.disableConfirm')} onConfirm={() => void setStatus(false)} okText={t('directory.confirm.ok')} cancelText={t('directory.form.cancel')}>
                    <Button loading={action.busy} data-testid="account-disable">
                      {t('directory.account.disable')}
                    </Button>
                  </Popconfirm>
                ) : (
                  <Popconfirm title={t('directory.account.enableConfirm')} onConfirm={() => void setStatus(true)} okText={t('directory.confirm.ok')} cancelText={t('directory.form.cancel')}>
                    <Button loading={action.busy} data-testid="account-enable">
                      {t('directory.account.enable')}
                    </Button>
                  </Popconfirm>
                )}
                <Popconfirm
                  title={t('directory.account.removeConfirm', { name: account.displayName })}
                  onConfirm={() => void remove()}
                  okText={t('directory.confirm.ok')}
                  okButtonProps={{ danger: true }}
                  cancelText={t('directory.form.cancel')}
                  disabled={!editable.fields.remove.editable}
                >
                  <Button danger disabled={!editable.fields.remove.editable} data-testid="account-remove">
                    {t('directory.account.remove')}
                  </Button>
                </Popconfirm>
              </Space>
            }
          >
            {ownedFields.length > 0 && (
              <Alert
                type="info"
                showIcon
                style={{ marginBottom: 16 }}
                data-testid="account-owned"
                title={t('directory.account.ownedFields', { fields: ownedFields.map(([field]) => t(`directory.field.${field}` as MessageKey)).join(t('directory.listSeparator')) })}
                description={<OwnedNote owner={ownedFields[0]![1].owner} />}
              />
            )}
            <Descriptions size="small" column={{ xs: 1, md: 2 }} data-testid="account-fields">
              <Descriptions.Item label={t('directory.field.username')}>{account.username}</Descriptions.Item>
              <Descriptions.Item label={t('directory.field.displayName')}>{account.displayName}</Descriptions.Item>
              <Descriptions.Item label={t('directory.field.email')}>{account.email ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('directory.field.mobile')}>{account.mobile ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('directory.field.jobNumber')}>{account.jobNumber ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('directory.field.title')}>{account.title ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('common.status')}>
                <StatusTag status={account.status} />
                {account.disabledBy && t(account.disabledBy === 'sync' ? 'directory.account.disabledBySync' : 'directory.account.disabledByAdmin')}
              </Descriptions.Item>
              <Descriptions.Item label={t('common.created')}>
                <Time iso={account.createdAt} />
              </Descriptions.Item>
              <Descriptions.Item label={t('directory.account.updated')}>
                <Time iso={account.updatedAt} />
              </Descriptions.Item>
              <Descriptions.Item label="ID">
                <Typography.Text copyable>{account.id}</Typography.Text>
              </Descriptions.Item>
            </Descriptions>
          </Card>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('directory.account.dingtalk')}</h2>}>
            <Table<UserLink>
              rowKey="bindingId"
              size="small"
              pagination={false}
              dataSource={account.links}
              data-testid="account-links"
              locale={{ emptyText: t('directory.account.localOnly') }}
              columns={[
                { title: t('runs.binding'), render: (_, link) => <Link to={`/bindings/${link.bindingId}`}>{bindingNames.get(link.bindingId) ?? link.bindingId}</Link> },
                { title: 'CorpId', dataIndex: 'corpId' },
                { title: 'userid', dataIndex: 'userid' },
                { title: 'unionid', render: (_, link) => link.unionid ?? '—' },
              ]}
            />
          </Card>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('directory.account.memberships')}</h2>}>
            <Table<Membership>
              rowKey="unitId"
              size="small"
              pagination={false}
              dataSource={account.memberships}
              data-testid="account-memberships"
              columns={[
                { title: t('directory.account.unit'), render: (_, m) => unitPath(units, m.unitId) },
                { title: t('directory.account.main'), render: (_, m) => (m.main ? <Tag color="blue">{t('directory.account.main')}</Tag> : '') },
                { title: t('directory.account.leader'), render: (_, m) => (m.leader ? <Tag>{t('directory.account.leader')}</Tag> : '') },
                { title: t('directory.account.order'), dataIndex: 'order' },
              ]}
            />
          </Card>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('directory.history.title')}</h2>}>
            <ErrorAlert error={history.error} />
            <Table<AccountHistoryEntry>
              rowKey={(entry) => `${entry.source}-${entry.source === 'sync' ? entry.runId : entry.bindingId}-${entry.seq}`}
              size="small"
              loading={history.loading}
              dataSource={history.data?.items ?? []}
              data-testid="account-history"
              pagination={{
                current: historyPage,
                pageSize: HISTORY_PAGE,
                total: history.data?.total ?? 0,
                showSizeChanger: false,
                onChange: setHistoryPage,
              }}
              columns={[
                { title: t('directory.history.at'), render: (_, entry) => <Time iso={entry.at} /> },
                {
                  title: t('directory.history.source'),
                  render: (_, entry) =>
                    entry.source === 'sync' ? (
                      <Link to={`/runs/${entry.runId}`}>{t('directory.history.syncRun', { kind: t(`directory.history.kind.${entry.runKind}`), id: entry.runId.slice(0, 8) })}</Link>
                    ) : (
                      <Link to={`/bindings/${entry.bindingId}/outbound`}>{t('directory.history.outbound')}</Link>
                    ),
                },
                { title: t('runs.binding'), dataIndex: 'bindingName' },
                {
                  title: t('runs.op'),
                  render: (_, entry) =>
                    entry.source === 'sync' ? <span title={entry.op}>{t(`plan.op.${entry.op}` as MessageKey) ?? entry.op}</span> : entry.operation,
                },
                { title: t('common.status'), render: (_, entry) => <StatusTag status={entry.status} /> },
                { title: t('directory.history.changes'), render: (_, entry) => <Changes entry={entry} units={units} /> },
                { title: t('runs.reason'), render: (_, entry) => reasonOf(entry) },
              ]}
            />
          </Card>
        </Space>
      )}
      {account && editable && (
        <AccountForm
          open={editing}
          account={account}
          editable={editable}
          units={units}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            void message.success(t('directory.account.saved'));
            loaded.reload();
          }}
        />
      )}
    </>
  );
}

/** "field: before → after" per changed field; what was sent for a delivery. Unit ids read as unit paths. */
function Changes({ entry, units }: { entry: AccountHistoryEntry; units: Parameters<typeof unitPath>[0] }) {
  const show = (key: string, value: unknown): string => {
    if (value === null || value === undefined) return '—';
    if (key === 'unitId' && typeof value === 'string') return unitPath(units, value);
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
  if (entry.source === 'outbound') {
    const sent = Object.entries(record(entry.request));
    return sent.length === 0 ? null : <span>{sent.map(([key, value]) => `${key}: ${show(key, value)}`).join('; ')}</span>;
  }
  const before = record(entry.before);
  const after = record(entry.after);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return (
    <ul style={{ margin: 0, paddingLeft: 16 }}>
      {keys.map((key) => (
        <li key={key}>
          {entry.before === null || entry.after === null
            ? `${key}: ${show(key, entry.before === null ? after[key] : before[key])}`
            : `${key}: ${show(key, before[key])} → ${show(key, after[key])}`}
        </li>
      ))}
    </ul>
  );
}

/** A sync operation's reason; a delivery's error message or skip reason, with DingTalk's errcode. */
function reasonOf(entry: AccountHistoryEntry): string {
  return entry.source === 'sync' ? (entry.reason ?? '') : deliveryReason(entry);
}
