/**
 * Sign-in with DingTalk where a binding offers it (console administrators), and with the admin token: checked
 * against the API before it is kept, so a wrong one says so here.
 */
import { Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { createApiClient } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';
import { ErrorAlert, LanguageSwitch } from '../ui.tsx';
import { DingTalkSignIn } from './DingTalkSignIn.tsx';

export function SignInPage({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async ({ token }: { token: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      await createApiClient({ token: token.trim() }).listBindings();
      onSignedIn(token.trim());
    } catch (reason) {
      setError(reason instanceof Error ? reason : new Error(String(reason)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f5f5f5' }}>
      <Card style={{ width: 420 }} extra={<LanguageSwitch />} title={<Typography.Title level={1} style={{ fontSize: 20, margin: 0 }}>{t('signIn.title')}</Typography.Title>}>
        <DingTalkSignIn onSignedIn={onSignedIn} />
        <ErrorAlert error={error} />
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item name="token" label={t('signIn.token')} extra={t('signIn.tokenHelp')} rules={[{ required: true, message: t('signIn.required') }]}>
            <Input.Password autoComplete="current-password" data-testid="token" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} block data-testid="sign-in">
            {t('signIn.submit')}
          </Button>
        </Form>
      </Card>
    </main>
  );
}
