/**
 * Adds or edits an account in a dialog. Validates as the API does (`accountCreateSchema`, `accountUpdateSchema`);
 * fields a binding owns are read-only with the server's reason (`GET /accounts/:id/editable`); an edit sends only
 * what changed; a refused save shows the API's message and keeps what was typed.
 */
import { Alert, Form, Input, Modal, Select, TreeSelect } from 'antd';
import { useEffect, useMemo } from 'react';
import type { AccountEditability, AccountView, UnitView } from '../api-client.ts';
import { useI18n, type MessageKey } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorAlert } from '../ui.tsx';
import { unitPath, unitTree } from '../unit-tree.ts';
import { useAction } from '../use-action.ts';
import { OwnedNote } from './OwnedNote.tsx';

const TEXT_FIELDS = ['username', 'displayName', 'email', 'mobile', 'jobNumber', 'title'] as const;
type TextField = (typeof TEXT_FIELDS)[number];
const REQUIRED: ReadonlySet<TextField> = new Set(['username', 'displayName']);

interface Values {
  username: string;
  displayName: string;
  email?: string;
  mobile?: string;
  jobNumber?: string;
  title?: string;
  unitIds: string[];
  mainUnitId?: string;
}

export interface AccountFormProps {
  open: boolean;
  /** The account to edit; absent = a new account. */
  account?: AccountView;
  editable?: AccountEditability;
  units: UnitView[];
  /** A new account's first unit (the unit selected in the tree). */
  defaultUnitId?: string;
  onSaved: (account: AccountView) => void;
  onCancel: () => void;
}

export function AccountForm({ open, account, editable, units, defaultUnitId, onSaved, onCancel }: AccountFormProps) {
  const { t } = useI18n();
  const { api } = useSession();
  const [form] = Form.useForm<Values>();
  const save = useAction();
  const tree = useMemo(() => unitTree(units), [units]);
  const chosen = Form.useWatch('unitIds', form) ?? [];

  useEffect(() => {
    if (!open) return;
    save.clear();
    form.setFieldsValue(
      account
        ? {
            username: account.username,
            displayName: account.displayName,
            email: account.email ?? undefined,
            mobile: account.mobile ?? undefined,
            jobNumber: account.jobNumber ?? undefined,
            title: account.title ?? undefined,
            unitIds: account.unitIds,
            mainUnitId: account.mainUnitId ?? undefined,
          }
        : { unitIds: defaultUnitId ? [defaultUnitId] : [], mainUnitId: undefined },
    );
    // Only when the dialog opens: a failed save must keep what the user typed.
  }, [open]);

  const locked = (field: TextField | 'unitIds') => editable !== undefined && !editable.fields[field].editable;
  const firstOwner = editable ? Object.values(editable.fields).find((field) => !field.editable)?.owner : undefined;

  const submit = async () => {
    const values = await form.validateFields().catch(() => undefined);
    if (!values) return;
    const text = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
    const saved = await save.run(() => {
      if (!account) {
        return api.addAccount({
          username: values.username.trim(),
          displayName: values.displayName.trim(),
          email: text(values.email),
          mobile: text(values.mobile),
          jobNumber: text(values.jobNumber),
          title: text(values.title),
          unitIds: values.unitIds,
          mainUnitId: values.mainUnitId,
        });
      }
      const patch: Record<string, unknown> = {};
      for (const field of TEXT_FIELDS) {
        if (locked(field)) continue;
        const next = text(values[field]) ?? null;
        if (next !== account[field]) patch[field] = next;
      }
      if (!locked('unitIds')) {
        const same = values.unitIds.length === account.unitIds.length && values.unitIds.every((id) => account.unitIds.includes(id));
        if (!same) patch.unitIds = values.unitIds;
        if (values.mainUnitId && values.mainUnitId !== account.mainUnitId) patch.mainUnitId = values.mainUnitId;
      }
      return Object.keys(patch).length === 0 ? Promise.resolve(account) : api.updateAccount(account.id, patch);
    });
    if (saved) onSaved(saved);
  };

  const max64 = { max: 64, message: t('directory.form.max', { n: 64 }) };
  const rules: Record<TextField, object[]> = {
    username: [
      { required: true, whitespace: true, message: t('directory.form.required') },
      max64,
      { pattern: /^\s*[^\s@][^\s]*\s*$/, message: t('directory.form.usernamePattern') },
    ],
    displayName: [{ required: true, whitespace: true, message: t('directory.form.required') }, max64],
    email: [{ type: 'email', message: t('directory.form.email') }, max64],
    mobile: [{ pattern: /^\s*\+?[\d\s-]{5,24}\s*$/, message: t('directory.form.mobile') }],
    jobNumber: [max64],
    title: [max64],
  };

  return (
    <Modal
      open={open}
      title={t(account ? 'directory.form.editTitle' : 'directory.form.addTitle')}
      okText={t('directory.form.save')}
      cancelText={t('directory.form.cancel')}
      confirmLoading={save.busy}
      onOk={() => void submit()}
      onCancel={onCancel}
      forceRender
      okButtonProps={{ 'data-testid': 'account-save' }}
    >
      <ErrorAlert error={save.error} />
      {firstOwner && <Alert type="info" showIcon style={{ marginBottom: 16 }} title={<OwnedNote owner={firstOwner} />} />}
      <Form form={form} layout="vertical" name="account" data-testid="account-form">
        {TEXT_FIELDS.map((field) => (
          <Form.Item
            key={field}
            name={field}
            label={t(`directory.field.${field}` as MessageKey)}
            rules={locked(field) ? [] : rules[field]}
            required={REQUIRED.has(field)}
            extra={locked(field) ? <OwnedNote short owner={editable!.fields[field].owner} /> : undefined}
          >
            <Input disabled={locked(field)} autoComplete="off" data-testid={`account-${field}`} />
          </Form.Item>
        ))}
        <Form.Item
          name="unitIds"
          label={t('directory.field.units')}
          rules={[{ required: true, type: 'array', min: 1, message: t('directory.form.unitsRequired') }]}
          extra={locked('unitIds') ? <OwnedNote short owner={editable!.fields.unitIds.owner} /> : undefined}
        >
          <TreeSelect
            treeData={tree}
            multiple
            treeDefaultExpandAll
            showSearch
            treeNodeFilterProp="title"
            disabled={locked('unitIds')}
            data-testid="account-units"
          />
        </Form.Item>
        <Form.Item name="mainUnitId" label={t('directory.field.mainUnit')} extra={t('directory.form.mainUnitHelp')}>
          <Select
            allowClear
            disabled={locked('unitIds')}
            options={chosen.map((id) => ({ value: id, label: unitPath(units, id) }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
