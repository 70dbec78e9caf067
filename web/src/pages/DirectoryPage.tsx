/** Directory: the unit tree (click a unit to list its members) and account search across the directory. */
import { Card, Col, Input, Row, Table, Tree, Typography } from 'antd';
import type { DataNode } from 'antd/es/tree';
import { useMemo, useState } from 'react';
import type { AccountView, UnitView } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';
import { ErrorAlert, StatusTag } from '../ui.tsx';

/** Builds the antd tree from the flat unit list (parents before children is not assumed). */
function toTree(units: UnitView[]): DataNode[] {
  const children = new Map<string | null, UnitView[]>();
  for (const unit of units) children.set(unit.parentId, [...(children.get(unit.parentId) ?? []), unit]);
  const ids = new Set(units.map((u) => u.id));
  const build = (parent: string | null): DataNode[] =>
    (children.get(parent) ?? [])
      .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))
      .map((unit) => ({ key: unit.id, title: `${unit.name} (${unit.memberCount})`, children: build(unit.id) }));
  // Roots: no parent, or a parent this list does not hold.
  const roots = units.filter((u) => u.parentId === null || !ids.has(u.parentId));
  return roots.flatMap((root) => [{ key: root.id, title: `${root.name} (${root.memberCount})`, children: build(root.id) }]);
}

export function DirectoryPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const [q, setQ] = useState('');
  const [unitId, setUnitId] = useState<string>();
  const [page, setPage] = useState(1);
  const units = useLoad(() => api.listUnits(), [api]);
  const accounts = useLoad(() => api.listAccounts({ q: q || undefined, unitId, offset: (page - 1) * 20, limit: 20 }), [api, q, unitId, page]);
  const tree = useMemo(() => toTree(units.data ?? []), [units.data]);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('directory.title')}
      </Typography.Title>
      <ErrorAlert error={units.error} />
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('directory.units')}</h2>}>
            {tree.length > 0 ? (
              <Tree
                treeData={tree}
                defaultExpandedKeys={tree.map((n) => n.key)}
                selectedKeys={unitId ? [unitId] : []}
                onSelect={(keys) => {
                  setUnitId(keys[0] === undefined ? undefined : String(keys[0]));
                  setPage(1);
                }}
                data-testid="unit-tree"
              />
            ) : (
              t('common.none')
            )}
          </Card>
        </Col>
        <Col xs={24} md={16}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('directory.accounts')}</h2>}>
            <Input.Search
              aria-label={t('directory.search')}
              placeholder={t('directory.search')}
              allowClear
              onSearch={(value) => {
                setQ(value.trim());
                setPage(1);
              }}
              style={{ marginBottom: 16 }}
              data-testid="account-search"
            />
            <ErrorAlert error={accounts.error} />
            <Table<AccountView>
              rowKey="id"
              size="small"
              loading={accounts.loading}
              dataSource={accounts.data?.items ?? []}
              data-testid="accounts"
              pagination={{
                current: page,
                pageSize: 20,
                total: accounts.data?.total ?? 0,
                showSizeChanger: false,
                showTotal: (n) => t('directory.total', { n }),
                onChange: setPage,
              }}
              columns={[
                { title: t('directory.displayName'), dataIndex: 'displayName' },
                { title: t('directory.username'), dataIndex: 'username' },
                { title: t('directory.title2'), render: (_, a) => a.title ?? '' },
                { title: t('directory.mobile'), render: (_, a) => a.mobile ?? '' },
                { title: t('directory.email'), render: (_, a) => a.email ?? '' },
                { title: t('common.status'), render: (_, a) => <StatusTag status={a.status} /> },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </>
  );
}
