/**
 * Step 2, the permission self-check of the saved binding (`POST /bindings/:id/check`), item by item with what to
 * enable in DingTalk's developer console, and "Check again". Going on with items missing needs an explicit
 * confirmation that says what will not work.
 */
import { App, Alert, Button, Space } from 'antd';
import { useEffect, useState } from 'react';
import type { BindingCheckReport, BindingView } from '../../api-client.ts';
import { useI18n, type MessageKey } from '../../i18n.tsx';
import { useSession } from '../../session.tsx';
import { ErrorAlert } from '../../ui.tsx';
import { CheckReportTable, useItemLabel } from './CheckReportTable.tsx';

export function CheckStep({ binding, active, onBack, onNext }: { binding: BindingView; active: boolean; onBack: () => void; onNext: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { modal } = App.useApp();
  const label = useItemLabel();
  const [report, setReport] = useState<BindingCheckReport>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const check = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setReport(await api.checkBinding(binding.id));
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };

  // Each time the step is entered (the credentials may have changed in step 1); not on every render of `check`.
  useEffect(() => {
    if (active) void check();
  }, [active, binding.id, binding.updatedAt]);

  const next = () => {
    const notOk = report?.items.filter((item) => item.status === 'missing' || item.status === 'failed') ?? [];
    if (report?.ok === true || notOk.length === 0) return onNext();
    modal.confirm({
      title: t('wizard.check.confirmTitle'),
      width: 560,
      content: (
        <div data-testid="wizard-check-confirm">
          <p>{t('wizard.check.confirmIntro')}</p>
          <ul>
            {notOk.map((item) => (
              <li key={item.key}>
                <strong>{label(item.key)}</strong>: {consequence(t, item.key)}
              </li>
            ))}
          </ul>
        </div>
      ),
      okText: t('wizard.check.continueAnyway'),
      okButtonProps: { danger: true, 'data-testid': 'wizard-continue-anyway' },
      cancelText: t('wizard.check.stay'),
      onOk: onNext,
    });
  };

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Alert type="info" showIcon title={t('wizard.check.intro')} />
      <ErrorAlert error={error} />
      {report && (
        <>
          <Alert
            type={report.ok ? 'success' : 'warning'}
            showIcon
            title={t(report.ok ? 'bindings.checkOk' : 'bindings.checkFailed')}
            description={report.ok ? undefined : t('wizard.check.fixThenAgain')}
          />
          <CheckReportTable report={report} testId="wizard-check-report" />
        </>
      )}
      <Space>
        <Button onClick={onBack}>{t('wizard.back')}</Button>
        <Button loading={busy} onClick={() => void check()} data-testid="wizard-check-again">
          {t('wizard.check.again')}
        </Button>
        <Button type="primary" disabled={report === undefined || busy} onClick={next} data-testid="wizard-check-next">
          {t('wizard.next')}
        </Button>
      </Space>
    </Space>
  );
}

/** What will not work without an item (shown before continuing anyway). */
function consequence(t: (key: MessageKey) => string, key: string): string {
  const specific = t(`wizard.without.${key}` as MessageKey) as string | undefined;
  return specific ?? t('wizard.without.other');
}
