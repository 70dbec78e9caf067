/**
 * One application: what to configure in it (client id, issuer and discovery URL from the provider's own discovery
 * document, the workbench SSO URL for DingTalk's console), its settings (redirect URIs editable), and removal.
 */
import { App, Button, Card, Descriptions, Form, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { fetchOpenIdConfiguration, type AppView } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';
import { ErrorAlert, Time } from '../ui.tsx';
import { AppFields, appFormValuesOf, appInputOf, type AppFormValues } from './AppFields.tsx';

/** §10.3 and docs/sign-in.md: DingTalk fills `$CORPID$` in the homepage URL, which picks the organization. */
const CORP_ID_PARAMETER = '?corpid=$CORPID$';

export function AppDetailPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { message, modal } = App.useApp();
  const loaded = useLoad(async () => {
    const [app, discovery] = await Promise.all([api.showApp(id), fetchOpenIdConfiguration()]);
    return { app, discovery };
  }, [api, id]);
  const [form] = Form.useForm<AppFormValues>();
  const [saveError, setSaveError] = useState<Error>();
  const [saving, setSaving] = useState(false);
  const app = loaded.data?.app;
  const issuer = loaded.data?.discovery.issuer;

  // The form starts from the stored settings; after a failed save it keeps what was typed (no reset).
  useEffect(() => {
    if (app) form.setFieldsValue(appFormValuesOf(app));
  }, [app, form]);

  const save = async (values: AppFormValues) => {
    setSaving(true);
    setSaveError(undefined);
    try {
      const updated = await api.updateApp(id, appInputOf(values));
      form.setFieldsValue(appFormValuesOf(updated));
      void message.success(t('apps.saved'));
      loaded.reload();
    } catch (reason) {
      setSaveError(reason instanceof Error ? reason : new Error(String(reason)));
    } finally {
      setSaving(false);
    }
  };

  const remove = (target: AppView) => {
    modal.confirm({
      title: t('apps.removeTitle', { name: target.name }),
      content: t('apps.removeBody'),
      okText: t('apps.remove'),
      okButtonProps: { danger: true, 'data-testid': 'app-remove-confirm' },
      cancelText: t('apps.cancel'),
      onOk: async () => {
        try {
          await api.removeApp(target.id);
          void message.success(t('apps.removed'));
          navigate('/apps');
        } catch (reason) {
          setSaveError(reason instanceof Error ? reason : new Error(String(reason)));
        }
      },
    });
  };

  const copyable = { tooltips: [t('apps.copy'), '✓'] as [string, string] };
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {app?.name ?? t('apps.title')}
      </Typography.Title>
      <ErrorAlert error={loaded.error} />
      {app && (
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('apps.configure')}</h2>} data-testid="app-configure">
            <Typography.Paragraph type="secondary">{t('apps.configureHelp')}</Typography.Paragraph>
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={t('apps.clientId')}>
                <Typography.Text code copyable={copyable} data-testid="app-client-id">
                  {app.clientId}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('apps.clientSecret')}>{t(app.clientSecretSet ? 'apps.secretSet' : 'apps.secretNone')}</Descriptions.Item>
              <Descriptions.Item label={t('apps.type')}>{t(app.public ? 'apps.publicClient' : 'apps.confidential')}</Descriptions.Item>
              <Descriptions.Item label={t('apps.issuer')}>
                <Typography.Text code copyable={copyable} data-testid="app-issuer">
                  {issuer}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('apps.discovery')}>
                <Typography.Text code copyable={copyable} data-testid="app-discovery">
                  {`${issuer}/.well-known/openid-configuration`}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('apps.workbenchUrl')}>
                <Typography.Text code copyable={copyable} data-testid="app-workbench-url">
                  {`${app.workbenchUrl}${CORP_ID_PARAMETER}`}
                </Typography.Text>
                <div>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('apps.workbenchHelp')}
                  </Typography.Text>
                </div>
              </Descriptions.Item>
              <Descriptions.Item label={t('apps.created')}>
                <Time iso={app.createdAt} />
              </Descriptions.Item>
              <Descriptions.Item label={t('apps.updated')}>
                <Time iso={app.updatedAt} />
              </Descriptions.Item>
            </Descriptions>
          </Card>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('apps.edit')}</h2>}>
            <ErrorAlert error={saveError} />
            <Form form={form} layout="vertical" onFinish={save} requiredMark={false} style={{ maxWidth: 720 }} data-testid="app-edit">
              <AppFields />
              <Space>
                <Button type="primary" htmlType="submit" loading={saving} data-testid="app-save">
                  {t('apps.save')}
                </Button>
                <Button danger onClick={() => remove(app)} data-testid="app-remove">
                  {t('apps.remove')}
                </Button>
              </Space>
            </Form>
          </Card>
        </Space>
      )}
    </>
  );
}
