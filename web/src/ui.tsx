/** Small shared pieces: status tags, times, error alerts. */
import { Alert, Button, Tag } from 'antd';
import { ApiError } from './api-client.ts';
import { useI18n, type MessageKey } from './i18n.tsx';

const COLORS: Record<string, string> = {
  queued: 'default',
  running: 'processing',
  succeeded: 'success',
  applied: 'success',
  ok: 'success',
  enabled: 'success',
  partial: 'warning',
  held: 'warning',
  missing: 'error',
  failed: 'error',
  rejected: 'default',
  skipped: 'default',
  planned: 'blue',
  disabled: 'default',
  delivered: 'success',
  retrying: 'warning',
};

/** A run, operation, check or account status as a coloured tag in the current language. */
export function StatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  const key = `status.${status}` as MessageKey;
  return (
    <Tag color={COLORS[status] ?? 'default'} data-status={status}>
      {t(key) ?? status}
    </Tag>
  );
}

/** A timestamp in the browser's time zone, in the console's language. */
export function Time({ iso }: { iso: string | null | undefined }) {
  const { lang } = useI18n();
  if (!iso) return <>—</>;
  return <time dateTime={iso}>{new Date(iso).toLocaleString(lang)}</time>;
}

/** The API's own message (it says what was wrong and what to do), with its code for support. */
export function ErrorAlert({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : 'error';
  return <Alert type="error" showIcon title={error.message} description={code} role="alert" style={{ marginBottom: 16 }} />;
}

/** Switches between 中文 and English; shown on every page, sign-in included. */
export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    // The visible text is the name (axe: label-content-name-mismatch), marked as the language it is written in.
    <Button type="text" lang={lang === 'en' ? 'zh-CN' : 'en'} title={t('lang.switchLabel')} data-testid="lang-switch" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>
      {t('lang.switch')}
    </Button>
  );
}
