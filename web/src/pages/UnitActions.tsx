/**
 * The directory tree's unit actions: add a unit (under the selected one, or at the top), and for the selected
 * unit rename/reorder, move and remove — each allowed or not by `GET /units/:id/editable`, each refusal shown with
 * the API's message in the dialog that made it, which keeps what was typed.
 */
import { App, Button, Form, Input, InputNumber, Modal, Popconfirm, Space, TreeSelect, Typography } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { UnitView } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorAlert } from '../ui.tsx';
import { subtreeIds, unitPath, unitTree } from '../unit-tree.ts';
import { useAction } from '../use-action.ts';
import { useLoad } from '../use-load.ts';
import { OwnedNote } from './OwnedNote.tsx';

type Dialog = 'add' | 'rename' | 'move' | undefined;

interface UnitValues {
  name: string;
  order?: number | null;
  parentId?: string;
}

/** §5.1: DingTalk's department order; names as DingTalk takes them (1–64 characters). */
const MAX_ORDER = 2_147_483_647;

export function UnitActions({ units, selected, onChanged }: { units: UnitView[]; selected: UnitView | undefined; onChanged: (unitId: string | undefined) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { message } = App.useApp();
  const [dialog, setDialog] = useState<Dialog>();
  // The dialog keeps its title while it animates closed (a dialog without a name fails axe's aria-dialog-name).
  const shown = useRef<Exclude<Dialog, undefined>>('add');
  if (dialog !== undefined) shown.current = dialog;
  const [form] = Form.useForm<UnitValues>();
  const save = useAction();
  const remove = useAction();
  const editable = useLoad(() => (selected ? api.unitEditable(selected.id) : Promise.resolve(undefined)), [api, selected?.id, selected?.updatedAt]);
  const fields = editable.data?.fields;
  const moveTargets = useMemo(() => {
    const below = selected ? subtreeIds(units, selected.id) : new Set<string>();
    return unitTree(units, (u) => u.name, (u) => below.has(u.id));
  }, [units, selected]);
  const parents = useMemo(() => unitTree(units), [units]);

  useEffect(() => {
    if (dialog === undefined) return;
    save.clear();
    form.resetFields();
    if (dialog === 'add') form.setFieldsValue({ parentId: selected?.id });
    if (dialog === 'rename' && selected) form.setFieldsValue({ name: selected.name, order: selected.order });
    if (dialog === 'move' && selected) form.setFieldsValue({ parentId: selected.parentId ?? undefined });
    // Only when a dialog opens: a failed save keeps what was typed.
  }, [dialog]);

  const submit = async () => {
    const values = await form.validateFields().catch(() => undefined);
    if (!values) return;
    const done = await save.run(async () => {
      if (dialog === 'add') {
        return api.addUnit({ name: values.name.trim(), parentId: values.parentId ?? null, ...(typeof values.order === 'number' ? { order: values.order } : {}) });
      }
      if (!selected) return undefined;
      if (dialog === 'rename') {
        return api.updateUnit(selected.id, { name: values.name.trim(), ...(typeof values.order === 'number' ? { order: values.order } : {}) });
      }
      return api.moveUnit(selected.id, values.parentId!);
    });
    if (!done) return;
    void message.success(t(dialog === 'add' ? 'directory.unit.added' : 'directory.unit.saved'));
    setDialog(undefined);
    onChanged(done.id);
  };

  const removeUnit = async () => {
    if (!selected) return;
    const done = await remove.run(() => api.removeUnit(selected.id));
    if (!done) return;
    void message.success(t('directory.unit.removed'));
    onChanged(undefined);
  };

  const nameRules = [
    { required: true, whitespace: true, message: t('directory.form.required') },
    { max: 64, message: t('directory.form.max', { n: 64 }) },
  ];
  const locked = fields && !fields.name.editable ? fields.name.owner : undefined;
  return (
    <div data-testid="unit-actions">
      <Space wrap style={{ marginBottom: 8 }}>
        <Button onClick={() => setDialog('add')} data-testid="unit-add">
          {t(selected ? 'directory.unit.addChild' : 'directory.unit.add')}
        </Button>
        {selected && (
          <>
            <Button disabled={!fields?.name.editable} onClick={() => setDialog('rename')} data-testid="unit-rename">
              {t('directory.unit.rename')}
            </Button>
            <Button disabled={!fields?.parentId.editable} onClick={() => setDialog('move')} data-testid="unit-move">
              {t('directory.unit.move')}
            </Button>
            <Popconfirm
              title={t('directory.unit.removeConfirm', { name: selected.name })}
              onConfirm={() => void removeUnit()}
              okText={t('directory.confirm.ok')}
              okButtonProps={{ danger: true }}
              cancelText={t('directory.form.cancel')}
              disabled={!fields?.remove.editable}
            >
              <Button danger disabled={!fields?.remove.editable} loading={remove.busy} data-testid="unit-remove">
                {t('directory.unit.remove')}
              </Button>
            </Popconfirm>
          </>
        )}
      </Space>
      {selected && (
        <div style={{ marginBottom: 8 }}>
          <Typography.Text strong data-testid="unit-selected">
            {unitPath(units, selected.id)}
          </Typography.Text>
          {selected.links.length > 0 && (
            <Typography.Text type="secondary">
              {' '}
              · {t('directory.unit.linked', { ids: selected.links.map((link) => `${link.corpId}/${link.deptId}`).join(', ') })}
            </Typography.Text>
          )}
          {locked && (
            <div>
              <OwnedNote owner={locked} />
            </div>
          )}
        </div>
      )}
      <ErrorAlert error={remove.error ?? editable.error} />
      <Modal
        open={dialog !== undefined}
        title={t(`directory.unit.${shown.current}Title`)}
        okText={t('directory.form.save')}
        cancelText={t('directory.form.cancel')}
        confirmLoading={save.busy}
        onOk={() => void submit()}
        onCancel={() => setDialog(undefined)}
        forceRender
      >
        <ErrorAlert error={save.error} />
        <Form form={form} layout="vertical" name="unit" data-testid="unit-form">
          {shown.current !== 'move' && (
            <>
              <Form.Item name="name" label={t('directory.unit.name')} rules={nameRules}>
                <Input autoComplete="off" data-testid="unit-name" />
              </Form.Item>
              <Form.Item name="order" label={t('directory.unit.order')} extra={t('directory.unit.orderHelp')}>
                <InputNumber min={0} max={MAX_ORDER} precision={0} style={{ width: '100%' }} />
              </Form.Item>
            </>
          )}
          {shown.current === 'add' && (
            <Form.Item name="parentId" label={t('directory.unit.parent')} extra={t('directory.unit.parentHelp')}>
              <TreeSelect treeData={parents} allowClear showSearch treeNodeFilterProp="title" treeDefaultExpandAll />
            </Form.Item>
          )}
          {shown.current === 'move' && (
            <Form.Item name="parentId" label={t('directory.unit.newParent')} rules={[{ required: true, message: t('directory.form.required') }]}>
              <TreeSelect treeData={moveTargets} showSearch treeNodeFilterProp="title" treeDefaultExpandAll />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </div>
  );
}
