/**
 * A binding's outbound provisioning: on/off, AgentId and scope (the whole target subtree, or chosen units with or
 * without their subtrees, picked from the tree), saved with `PATCH /bindings/:id {outbound}`; the delivery log with
 * a status filter and each failure's reason, **Retry** of failed deliveries, and "push everything in scope" after
 * a dry-run preview. The log refreshes while deliveries are pending.
 */
import { App, Button, Card, Checkbox, Form, Input, Modal, Radio, Segmented, Space, Switch, Table, Tag, TreeSelect, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import type { BindingView, ExecuteAdditionResult, OutboundLogEntry, UnitView } from '../api-client.ts';
import { deliveryReason } from '../delivery-reason.ts';
import { useI18n, type MessageKey } from '../i18n.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ErrorAlert, StatusTag, Time } from '../ui.tsx';
import { subtreeIds, unitPath, unitTree } from '../unit-tree.ts';
import { useAction } from '../use-action.ts';
import { useLoad } from '../use-load.ts';

const LOG_STATUSES = ['delivered', 'skipped', 'retrying', 'failed'] as const;
type LogStatus = (typeof LOG_STATUSES)[number];

export function BindingOutboundPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const loaded = useLoad(async () => {
    const [binding, units] = await Promise.all([api.showBinding(id), api.listUnits()]);
    return { binding, units };
  }, [api, id]);
  const binding = loaded.data?.binding;
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {binding ? t('outbound.titleOf', { name: binding.name }) : t('outbound.title')}
      </Typography.Title>
      {binding && (
        <Typography.Paragraph>
          <Link to={`/bindings/${binding.id}`}>{t('outbound.back')}</Link>
        </Typography.Paragraph>
      )}
      <ErrorAlert error={loaded.error} />
      {binding && loaded.data && (
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <OutboundSettings binding={binding} units={loaded.data.units} onSaved={loaded.reload} />
          <OutboundLogCard binding={binding} />
        </Space>
      )}
    </>
  );
}

interface SettingsValues {
  enabled: boolean;
  agentId?: string;
  scope: 'all' | 'units';
  unitIds: string[];
}

function OutboundSettings({ binding, units, onSaved }: { binding: BindingView; units: UnitView[]; onSaved: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { message } = App.useApp();
  const [form] = Form.useForm<SettingsValues>();
  const save = useAction();
  const scope = Form.useWatch('scope', form);
  const chosen = Form.useWatch('unitIds', form) ?? [];
  // Outbound pushes only the binding's target subtree: the picker offers nothing else.
  const inTarget = useMemo(() => units.filter((unit) => subtreeIds(units, binding.targetUnitId).has(unit.id)), [units, binding.targetUnitId]);
  const tree = useMemo(() => unitTree(inTarget), [inTarget]);
  const stored = binding.outbound.units.kind === 'units' ? binding.outbound.units.units : [];
  const [subtree, setSubtree] = useState<Record<string, boolean>>({});

  useEffect(() => {
    form.setFieldsValue({
      enabled: binding.outbound.enabled,
      agentId: binding.outbound.agentId ?? undefined,
      scope: binding.outbound.units.kind,
      unitIds: stored.map((unit) => unit.unitId),
    });
    setSubtree(Object.fromEntries(stored.map((unit) => [unit.unitId, unit.subtree])));
    // When the stored binding changes (loaded, saved); a failed save keeps what was typed.
  }, [binding.updatedAt]);

  const submit = async () => {
    const values = await form.validateFields().catch(() => undefined);
    if (!values) return;
    const agentId = values.agentId?.trim() ? values.agentId.trim() : null;
    const saved = await save.run(() =>
      api.updateBinding(binding.id, {
        outbound: {
          enabled: values.enabled,
          agentId,
          units: values.scope === 'all' ? { kind: 'all' } : { kind: 'units', units: values.unitIds.map((unitId) => ({ unitId, subtree: subtree[unitId] ?? true })) },
        },
      }),
    );
    if (saved) {
      void message.success(t('outbound.saved'));
      onSaved();
    }
  };

  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('outbound.settings')}</h2>} data-testid="outbound-settings">
      <ErrorAlert error={save.error} />
      <Form form={form} layout="vertical" name="outbound" style={{ maxWidth: 720 }}>
        <Form.Item name="enabled" label={t('outbound.enabled')} valuePropName="checked" extra={t('outbound.enabledHelp')}>
          <Switch data-testid="outbound-enabled" />
        </Form.Item>
        <Form.Item
          name="agentId"
          label="AgentId"
          extra={binding.agentId ? t('outbound.agentIdDefault', { agentId: binding.agentId }) : t('outbound.agentIdHelp')}
          rules={[{ pattern: /^\s*\d{1,50}\s*$/, message: t('outbound.agentIdPattern') }]}
        >
          <Input autoComplete="off" inputMode="numeric" data-testid="outbound-agent-id" />
        </Form.Item>
        <Form.Item name="scope" label={t('outbound.scope')}>
          <Radio.Group
            data-testid="outbound-scope"
            options={[
              { value: 'all', label: t('outbound.scopeAll', { unit: unitPath(units, binding.targetUnitId) }) },
              { value: 'units', label: t('outbound.scopeUnits') },
            ]}
          />
        </Form.Item>
        {scope === 'units' && (
          <>
            <Form.Item
              name="unitIds"
              label={t('outbound.units')}
              rules={[{ required: true, type: 'array', min: 1, message: t('outbound.unitsRequired') }]}
            >
              <TreeSelect treeData={tree} multiple treeDefaultExpandAll showSearch treeNodeFilterProp="title" data-testid="outbound-units" />
            </Form.Item>
            {chosen.length > 0 && (
              <Table<{ unitId: string }>
                rowKey="unitId"
                size="small"
                pagination={false}
                style={{ marginBottom: 16 }}
                dataSource={chosen.map((unitId) => ({ unitId }))}
                columns={[
                  { title: t('directory.account.unit'), render: (_, row) => unitPath(units, row.unitId) },
                  {
                    title: t('outbound.subtree'),
                    render: (_, row) => (
                      <Checkbox
                        checked={subtree[row.unitId] ?? true}
                        onChange={(event) => setSubtree((current) => ({ ...current, [row.unitId]: event.target.checked }))}
                        aria-label={t('outbound.subtreeOf', { unit: unitPath(units, row.unitId) })}
                      >
                        {t('outbound.subtreeLabel')}
                      </Checkbox>
                    ),
                  },
                ]}
              />
            )}
          </>
        )}
        <Button type="primary" loading={save.busy} onClick={() => void submit()} data-testid="outbound-save">
          {t('directory.form.save')}
        </Button>
      </Form>
    </Card>
  );
}

function OutboundLogCard({ binding }: { binding: BindingView }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { message } = App.useApp();
  const [status, setStatus] = useState<LogStatus | 'all'>('all');
  const [preview, setPreview] = useState<ExecuteAdditionResult>();
  const action = useAction();
  const log = useLoad(() => api.outboundLog(binding.id, { status: status === 'all' ? undefined : status, limit: 200 }), [api, binding.id, status], {
    poll: (data) => data.outbox.pending > 0,
    intervalMs: 1000,
  });
  const outbox = log.data?.outbox;

  const retry = async () => {
    const done = await action.run(() => api.outboundRetry(binding.id));
    if (done) {
      void message.success(t('outbound.requeued', { n: done.requeued }));
      log.reload();
    }
  };
  const previewAddition = async () => {
    const plan = await action.run(() => api.outboundExecuteAddition(binding.id, { dryRun: true }));
    if (plan) setPreview(plan);
  };
  const executeAddition = async () => {
    const done = await action.run(() => api.outboundExecuteAddition(binding.id, { dryRun: false }));
    setPreview(undefined);
    if (done) {
      void message.success(t('outbound.additionQueued', { units: done.units.length, accounts: done.accounts.length }));
      log.reload();
    }
  };

  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('outbound.log')}</h2>}
      data-testid="outbound-log"
      data-pending={outbox?.pending ?? ''}
      extra={
        <Space wrap>
          <Button onClick={log.reload}>{t('common.refresh')}</Button>
          <Button onClick={() => void retry()} disabled={!outbox?.failed} loading={action.busy} data-testid="outbound-retry">
            {t('outbound.retry', { n: outbox?.failed ?? 0 })}
          </Button>
          <Button onClick={() => void previewAddition()} disabled={!binding.outbound.enabled} loading={action.busy} data-testid="outbound-addition">
            {t('outbound.addition')}
          </Button>
        </Space>
      }
    >
      <ErrorAlert error={action.error} />
      <ErrorAlert error={log.error} />
      <Space wrap style={{ marginBottom: 16 }}>
        <Segmented<LogStatus | 'all'>
          aria-label={t('outbound.filter')}
          value={status}
          onChange={setStatus}
          options={[{ value: 'all', label: t('common.all') }, ...LOG_STATUSES.map((s) => ({ value: s, label: t(`status.${s}` as MessageKey) }))]}
        />
        {outbox && (
          <Typography.Text data-testid="outbound-outbox">
            {t('outbound.outbox', { pending: outbox.pending, failed: outbox.failed })}
          </Typography.Text>
        )}
      </Space>
      <Table<OutboundLogEntry>
        rowKey="seq"
        size="small"
        loading={log.loading && !log.data}
        dataSource={log.data?.entries ?? []}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        data-testid="outbound-entries"
        columns={[
          { title: t('directory.history.at'), render: (_, entry) => <Time iso={entry.at} /> },
          {
            title: t('outbound.object'),
            render: (_, entry) => {
              const name = entry.objectName ?? entry.objectId.slice(0, 8);
              return (
                <Space size={4}>
                  <Tag>{t(entry.objectKind === 'unit' ? 'outbound.kindUnit' : 'outbound.kindAccount')}</Tag>
                  {entry.objectKind === 'account' && entry.objectName !== null ? <Link to={`/directory/accounts/${entry.objectId}`}>{name}</Link> : name}
                </Space>
              );
            },
          },
          { title: t('runs.op'), dataIndex: 'operation' },
          { title: t('common.status'), render: (_, entry) => <StatusTag status={entry.status} /> },
          { title: t('outbound.externalId'), render: (_, entry) => entry.externalId ?? '—' },
          { title: t('outbound.attempt'), dataIndex: 'attempt' },
          { title: t('runs.reason'), render: (_, entry) => deliveryReason(entry) },
        ]}
      />
      <Modal
        open={preview !== undefined}
        title={t('outbound.additionTitle')}
        okText={t('outbound.additionConfirm')}
        cancelText={t('directory.form.cancel')}
        okButtonProps={{ disabled: !preview || preview.units.length + preview.accounts.length === 0 }}
        confirmLoading={action.busy}
        onOk={() => void executeAddition()}
        onCancel={() => setPreview(undefined)}
      >
        {preview && (
          <div data-testid="outbound-preview">
            <Typography.Paragraph>{t('outbound.additionSummary', { units: preview.units.length, accounts: preview.accounts.length })}</Typography.Paragraph>
            {preview.units.length > 0 && (
              <ul>
                {preview.units.slice(0, 50).map((unit) => (
                  <li key={unit.id}>{unit.name}</li>
                ))}
              </ul>
            )}
            {preview.accounts.length > 0 && (
              <ul>
                {preview.accounts.slice(0, 50).map((account) => (
                  <li key={account.id}>{`${account.displayName} (${account.username})`}</li>
                ))}
              </ul>
            )}
            {preview.units.length + preview.accounts.length > 100 && <Typography.Text type="secondary">{t('outbound.additionMore')}</Typography.Text>}
          </div>
        )}
      </Modal>
    </Card>
  );
}
