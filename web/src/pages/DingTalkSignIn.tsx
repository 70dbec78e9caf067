/**
 * The DingTalk part of the sign-in page: a "Sign in with DingTalk" button per binding offering QR sign-in (none
 * shown when no binding does), and, back from DingTalk (`/?sign-in=dingtalk`), the exchange of the browser's
 * sign-in for an admin token — or the reason it was refused, with the command that grants the role.
 */
import { DingtalkOutlined } from '@ant-design/icons';
import { Alert, Button, Divider, Space, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError, createApiClient, type ConsoleSignInOptions } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';
import { returnedFromDingTalk } from '../session.tsx';
import { ErrorAlert } from '../ui.tsx';

export function DingTalkSignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const { t } = useI18n();
  const [bindings, setBindings] = useState<ConsoleSignInOptions['dingtalk']>([]);
  const [exchanging, setExchanging] = useState(returnedFromDingTalk);
  const [error, setError] = useState<Error>();

  useEffect(() => {
    let live = true;
    createApiClient({})
      .consoleSignInOptions()
      .then(
        (options) => live && setBindings(options.dingtalk),
        () => undefined, // without the list, the token form still works
      );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (!returnedFromDingTalk()) return;
    // The marker goes first, so a reload (or React running this twice) does not exchange again.
    window.history.replaceState(null, '', '/');
    createApiClient({})
      .createConsoleSession()
      .then(
        (created) => onSignedIn(created.token),
        (reason: unknown) => {
          setError(reason instanceof Error ? reason : new Error(String(reason)));
          setExchanging(false);
        },
      );
  }, [onSignedIn]);

  if (exchanging) {
    return (
      <Space data-testid="dingtalk-exchanging" style={{ width: '100%', justifyContent: 'center', padding: 24 }}>
        <Spin />
        <Typography.Text>{t('admin.exchanging')}</Typography.Text>
      </Space>
    );
  }
  const notAdmin = error instanceof ApiError && error.code === 'console.not_admin' ? error : undefined;
  const detail = (key: string, fallback: string) => (typeof notAdmin?.details[key] === 'string' ? notAdmin.details[key] : fallback);
  return (
    <>
      {notAdmin ? (
        <Alert
          type="error"
          showIcon
          role="alert"
          data-testid="not-admin"
          style={{ marginBottom: 16 }}
          title={t('admin.notAdminTitle')}
          description={
            <>
              <Typography.Paragraph style={{ marginBottom: 8 }}>
                {t('admin.notAdmin', { name: detail('displayName', '') })}
              </Typography.Paragraph>
              <Typography.Text code copyable>
                {`dingbridge accounts update ${detail('accountId', '<id>')} --console-role admin`}
              </Typography.Text>
            </>
          }
        />
      ) : (
        <ErrorAlert error={error} />
      )}
      {bindings.length > 0 && (
        <>
          <Space orientation="vertical" style={{ width: '100%' }}>
            {bindings.map((binding) => (
              <Button
                key={binding.bindingId}
                type="primary"
                block
                size="large"
                icon={<DingtalkOutlined aria-hidden />}
                href={binding.url}
                data-testid="sign-in-dingtalk"
              >
                {bindings.length === 1 ? t('admin.dingtalk') : t('admin.dingtalkOf', { name: binding.name })}
              </Button>
            ))}
            <Typography.Text type="secondary">{t('admin.dingtalkHelp')}</Typography.Text>
          </Space>
          <Divider plain>{t('admin.or')}</Divider>
        </>
      )}
    </>
  );
}
