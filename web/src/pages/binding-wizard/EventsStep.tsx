/**
 * Step 5, event subscription. HTTP push: a token and an AES key made in the browser (`crypto.getRandomValues`),
 * saved with PATCH before they are shown, then the Request URL, token and key to paste into DingTalk's console, and
 * a live indicator (the binding polled every 2 s) that turns green once DingTalk's `check_url` reached this server
 * after they were saved. Stream: what to enable in DingTalk's console (Dingbridge connects by itself).
 */
import { Alert, Badge, Button, Descriptions, Space, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import type { BindingView } from '../../api-client.ts';
import { useI18n } from '../../i18n.tsx';
import { useSession } from '../../session.tsx';
import { ErrorAlert, Time } from '../../ui.tsx';
import { useLoad } from '../../use-load.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `length` random letters and digits. Bytes of 248 and above are drawn again, so each of the 62 characters is
 * equally likely (248 = 4 × 62).
 *
 * @example
 * randomAlphanumeric(43); // an EncodingAESKey (§7.3)
 */
export function randomAlphanumeric(length: number): string {
  let text = '';
  const bytes = new Uint8Array(length * 2);
  while (text.length < length) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte < 248 && text.length < length) text += ALPHABET[byte % 62];
    }
  }
  return text;
}

export function EventsStep({
  binding,
  mode,
  active,
  finishing,
  onBack,
  onSaved,
  onFinish,
}: {
  binding: BindingView;
  mode: 'http' | 'stream';
  active: boolean;
  finishing: boolean;
  onBack: () => void;
  onSaved: (view: BindingView) => void;
  onFinish: () => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [secrets, setSecrets] = useState<{ token: string; aesKey: string; savedAt: string }>();
  const [error, setError] = useState<Error>();
  const saving = useRef(false);

  // HTTP push: new secrets once, saved before they are shown (what DingTalk gets must be what the server checks).
  const save = async () => {
    if (saving.current) return;
    saving.current = true;
    setError(undefined);
    try {
      const token = randomAlphanumeric(32);
      const aesKey = randomAlphanumeric(43);
      const view = await api.updateBinding(binding.id, { events: { mode: 'http', callbackToken: token, aesKey } });
      onSaved(view);
      setSecrets({ token, aesKey, savedAt: view.updatedAt });
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      saving.current = false;
    }
  };
  useEffect(() => {
    if (active && mode === 'http' && secrets === undefined) void save();
  }, [active, mode]);

  // A check_url answered after the secrets were saved proves DingTalk has them (server times on both sides).
  const live = useLoad(
    () => api.showBinding(binding.id),
    [api, binding.id, secrets?.savedAt, active],
    { poll: (view) => active && !verifiedSince(view, secrets?.savedAt), intervalMs: 2000 },
  );
  const verified = secrets !== undefined && live.data !== undefined && verifiedSince(live.data, secrets.savedAt);

  if (mode === 'stream') {
    return (
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <Alert type="info" showIcon title={t('wizard.events.streamTitle')} description={t('wizard.events.streamSteps')} />
        <Space>
          <Button onClick={onBack}>{t('wizard.back')}</Button>
          <Button type="primary" loading={finishing} onClick={onFinish} data-testid="wizard-finish">
            {t('wizard.finish')}
          </Button>
        </Space>
      </Space>
    );
  }

  const copyable = (value: string, testId: string) => (
    <Typography.Text code copyable={{ text: value, tooltips: [t('wizard.events.copy'), t('wizard.events.copied')] }}>
      <span data-testid={testId}>{value}</span>
    </Typography.Text>
  );
  const requestUrl = live.data?.events.requestUrl ?? binding.events.requestUrl;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Alert type="info" showIcon title={t('wizard.events.httpTitle')} description={t('wizard.events.httpSteps')} />
      <ErrorAlert error={error ?? live.error} />
      {error && <Button onClick={() => void save()}>{t('wizard.events.retry')}</Button>}
      {secrets && (
        <>
          <Descriptions bordered size="small" column={1}>
            <Descriptions.Item label={t('wizard.events.requestUrl')}>{requestUrl && copyable(requestUrl, 'wizard-request-url')}</Descriptions.Item>
            <Descriptions.Item label={t('wizard.events.token')}>{copyable(secrets.token, 'wizard-callback-token')}</Descriptions.Item>
            <Descriptions.Item label={t('wizard.events.aesKey')}>{copyable(secrets.aesKey, 'wizard-aes-key')}</Descriptions.Item>
          </Descriptions>
          <Alert type="warning" showIcon title={t('wizard.events.onlyNow')} />
          <div role="status" aria-live="polite" data-testid="wizard-live" data-live={String(verified)}>
            {verified ? (
              <Badge status="success" text={<>{t('wizard.events.verified')} <Time iso={live.data?.events.lastCheckUrlAt} /></>} />
            ) : (
              <Badge status="processing" text={t('wizard.events.waiting')} />
            )}
          </div>
        </>
      )}
      <Space>
        <Button onClick={onBack}>{t('wizard.back')}</Button>
        <Button type="primary" loading={finishing} disabled={secrets === undefined} onClick={onFinish} data-testid="wizard-finish">
          {t('wizard.finish')}
        </Button>
      </Space>
      {secrets && !verified && <p>{t('wizard.events.finishLater')}</p>}
    </Space>
  );
}

function verifiedSince(view: BindingView, savedAt: string | undefined): boolean {
  const at = view.events.lastCheckUrlAt;
  return savedAt !== undefined && at !== null && Date.parse(at) >= Date.parse(savedAt);
}
