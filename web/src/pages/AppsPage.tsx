/**
 * Applications (OIDC clients): the list, and registering one — whose client secret is shown once, in a modal with
 * copy buttons, and never again.
 */
import { Alert, Button, Descriptions, Form, Modal, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import type { AppCreated, AppView } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';
import { ErrorAlert, Time } from '../ui.tsx';
import { AppFields, appInputOf, type AppFormValues } from './AppFields.tsx';

export function AppsPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const loaded = useLoad(() => api.listApps(), [api]);
  const [registering, setRegistering] = useState(false);
  const [created, setCreated] = useState<AppCreated>();
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('apps.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('apps.intro')}</Typography.Paragraph>
      <ErrorAlert error={loaded.error} />
      <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setRegistering(true)} data-testid="app-register">
        {t('apps.register')}
      </Button>
      <Table<AppView>
        rowKey="id"
        size="small"
        loading={loaded.loading && !loaded.data}
        dataSource={loaded.data ?? []}
        pagination={false}
        // antd's placeholder text is too pale for WCAG AA (1.8:1); the theme's secondary text passes.
        locale={{ emptyText: <Typography.Text type="secondary">{t('apps.none')}</Typography.Text> }}
        data-testid="apps"
        columns={[
          { title: t('apps.name'), render: (_, app) => <Link to={`/apps/${encodeURIComponent(app.id)}`}>{app.name}</Link> },
          { title: t('apps.clientId'), render: (_, app) => <Typography.Text code>{app.clientId}</Typography.Text> },
          { title: t('apps.type'), render: (_, app) => t(app.public ? 'apps.publicClient' : 'apps.confidential') },
          {
            title: t('apps.redirectUris'),
            render: (_, app) => (
              <>
                {app.redirectUris.map((uri) => (
                  <div key={uri}>{uri}</div>
                ))}
              </>
            ),
          },
          { title: t('apps.created'), render: (_, app) => <Time iso={app.createdAt} /> },
        ]}
      />
      <RegisterModal
        open={registering}
        onClose={() => setRegistering(false)}
        onCreated={(app) => {
          setRegistering(false);
          setCreated(app);
          loaded.reload();
        }}
      />
      {created && <SecretModal app={created} onClose={() => navigate(`/apps/${encodeURIComponent(created.id)}`)} />}
    </>
  );
}

function RegisterModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (app: AppCreated) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [form] = Form.useForm<AppFormValues>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (values: AppFormValues) => {
    setBusy(true);
    setError(undefined);
    try {
      const { initiateLoginUri, ...input } = appInputOf(values);
      const app = await api.addApp({ ...input, public: values.public ?? false, ...(initiateLoginUri === null ? {} : { initiateLoginUri }) });
      form.resetFields();
      onCreated(app);
    } catch (reason) {
      // The form keeps what was typed; the API's message says what to change.
      setError(reason instanceof Error ? reason : new Error(String(reason)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={open}
      title={t('apps.register')}
      onCancel={onClose}
      okText={t('apps.register')}
      cancelText={t('apps.cancel')}
      confirmLoading={busy}
      onOk={() => form.submit()}
      okButtonProps={{ 'data-testid': 'app-register-submit' }}
      width={640}
      forceRender
    >
      <ErrorAlert error={error} />
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false} initialValues={{ public: false }} data-testid="app-form">
        <AppFields create />
      </Form>
    </Modal>
  );
}

/** The client id and, for a confidential client, the secret: shown this once, with copy buttons. */
function SecretModal({ app, onClose }: { app: AppCreated; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Modal
      open
      title={app.clientSecret ? t('apps.secretTitle') : t('apps.registered')}
      closable={false}
      maskClosable={false}
      keyboard={false}
      footer={
        <Button type="primary" onClick={onClose} data-testid="app-secret-done">
          {t('apps.secretDone')}
        </Button>
      }
      width={640}
    >
      <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="app-secret-modal">
        {app.clientSecret ? (
          <Alert type="warning" showIcon title={t('apps.secretWarning')} />
        ) : (
          <Alert type="info" showIcon title={t('apps.publicNoSecret')} />
        )}
        <Descriptions size="small" column={1} bordered>
          <Descriptions.Item label={t('apps.clientId')}>
            <Typography.Text code copyable={{ tooltips: [t('apps.copy'), '✓'] }} data-testid="app-client-id">
              {app.clientId}
            </Typography.Text>
          </Descriptions.Item>
          {app.clientSecret && (
            <Descriptions.Item label={t('apps.clientSecret')}>
              <Typography.Text code copyable={{ tooltips: [t('apps.copy'), '✓'] }} data-testid="app-client-secret">
                {app.clientSecret}
              </Typography.Text>
            </Descriptions.Item>
          )}
        </Descriptions>
      </Space>
    </Modal>
  );
}
