/**
 * Directory: the unit tree (click a unit to list its members; add, rename, move, remove units) and account search
 * across the directory; each account opens its page; new accounts are added here.
 */
import { App, Button, Card, Col, Input, Row, Table, Tree, Typography } from 'antd';
import { useMemo, useState } from 'react';
import type { AccountView } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';
import { ErrorAlert, StatusTag } from '../ui.tsx';
import { unitTree } from '../unit-tree.ts';
import { AccountForm } from './AccountForm.tsx';
import { UnitActions } from './UnitActions.tsx';

export function DirectoryPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const { message } = App.useApp();
  const [adding, setAdding] = useState(false);
  const [q, setQ] = useState('');
  const [unitId, setUnitId] = useState<string>();
  const [page, setPage] = useState(1);
  const units = useLoad(() => api.listUnits(), [api]);
  const accounts = useLoad(() => api.listAccounts({ q: q || undefined, unitId, offset: (page - 1) * 20, limit: 20 }), [api, q, unitId, page]);
  const tree = useMemo(() => unitTree(units.data ?? [], (unit) => `${unit.name} (${unit.memberCount})`), [units.data]);
  const selected = units.data?.find((unit) => unit.id === unitId);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('directory.title')}
      </Typography.Title>
      <ErrorAlert error={units.error} />
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('directory.units')}</h2>}>
            <UnitActions
              units={units.data ?? []}
              selected={selected}
              onChanged={(id) => {
                setUnitId(id);
                setPage(1);
                units.reload();
                accounts.reload();
              }}
            />
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
          <Card
            title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('directory.accounts')}</h2>}
            extra={
              <Button type="primary" onClick={() => setAdding(true)} disabled={!units.data?.length} data-testid="account-add">
                {t('directory.account.add')}
              </Button>
            }
          >
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
                {
                  title: t('directory.displayName'),
                  render: (_, a) => (
                    <Link to={`/directory/accounts/${a.id}`} testId="account-link">
                      {a.displayName}
                    </Link>
                  ),
                },
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
      <AccountForm
        open={adding}
        units={units.data ?? []}
        defaultUnitId={unitId}
        onCancel={() => setAdding(false)}
        onSaved={(account) => {
          setAdding(false);
          void message.success(t('directory.account.added'));
          navigate(`/directory/accounts/${account.id}`);
        }}
      />
    </>
  );
}
