/**
 * A check report (`bindings check`, or the live test of unsaved credentials) item by item: what was checked in the
 * console's language, its status, what DingTalk answered, and what to do in DingTalk's developer console.
 */
import { Table, Typography } from 'antd';
import type { BindingCheckReport } from '../../api-client.ts';
import { useI18n, type MessageKey } from '../../i18n.tsx';
import { StatusTag } from '../../ui.tsx';

type CheckItem = BindingCheckReport['items'][number];

/** The permission code of a `permission:<code>` item, else undefined. */
export function permissionOf(key: string): string | undefined {
  return key.startsWith('permission:') ? key.slice('permission:'.length) : undefined;
}

/** The item's name in the console's language (`wizard.item.<key>`), falling back to the key itself. */
export function useItemLabel(): (key: string) => string {
  const { t } = useI18n();
  return (key) => {
    const label = t(`wizard.item.${key}` as MessageKey) as string | undefined;
    return label ?? key;
  };
}

export function CheckReportTable({ report, testId }: { report: Pick<BindingCheckReport, 'ok' | 'items'>; testId: string }) {
  const { t } = useI18n();
  const label = useItemLabel();
  const hintOf = (item: CheckItem): string => {
    if (item.status === 'ok' || item.status === 'skipped') return '';
    const permission = permissionOf(item.key);
    // A missing permission or scope: the same instruction in the console's language (DingTalk's menu names included).
    if (item.status === 'missing' && permission !== undefined) return t('wizard.hint.permission', { permission });
    if (item.status === 'missing' && item.key === 'scope') return t('wizard.hint.scope');
    return item.hint ?? '';
  };
  return (
    <div data-testid={testId} data-ok={String(report.ok)}>
      <Table<CheckItem>
        rowKey="key"
        size="small"
        pagination={false}
        dataSource={report.items}
        onRow={(item) => ({ 'data-key': item.key, 'data-status': item.status }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('bindings.item'),
            render: (_, item) => (
              <>
                {label(item.key)}
                {permissionOf(item.key) && (
                  <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                    <code>{permissionOf(item.key)}</code>
                  </Typography.Text>
                )}
              </>
            ),
          },
          { title: t('common.status'), render: (_, item) => <StatusTag status={item.status} /> },
          { title: t('bindings.message'), dataIndex: 'message' },
          { title: t('bindings.hint'), render: (_, item) => hintOf(item) },
        ]}
      />
    </div>
  );
}
