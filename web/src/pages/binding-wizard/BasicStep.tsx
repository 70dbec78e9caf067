/**
 * Step 1, basic information: name, CorpId, AppKey, AppSecret, AgentId and (under "Advanced") the DingTalk API base
 * URL. "Test connection" checks the credentials live without storing anything; "Next" saves the binding (POST, or
 * PATCH when coming back) once the credentials and the CorpId passed. A failed save keeps the form and shows the
 * API's message.
 */
import { Alert, Button, Collapse, Form, Input, Space } from 'antd';
import { useState } from 'react';
import type { BindingView, CredentialTestReport } from '../../api-client.ts';
import { useI18n } from '../../i18n.tsx';
import { useSession } from '../../session.tsx';
import { ErrorAlert } from '../../ui.tsx';
import { CheckReportTable } from './CheckReportTable.tsx';

interface BasicValues {
  name: string;
  corpId: string;
  appKey: string;
  appSecret: string;
  agentId?: string;
  apiBase?: string;
}

/** The fields a credential test covers: changing one makes the last test stale. */
const CREDENTIAL_FIELDS = ['corpId', 'appKey', 'appSecret', 'apiBase'] as const;

/** The items that must pass before the binding is saved: the server verifies exactly these on save. */
function credentialsPassed(report: CredentialTestReport): boolean {
  return ['credentials', 'corp_id'].every((key) => report.items.find((item) => item.key === key)?.status === 'ok');
}

export function BasicStep({ binding, onSaved }: { binding: BindingView | undefined; onSaved: (view: BindingView) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [form] = Form.useForm<BasicValues>();
  const [report, setReport] = useState<CredentialTestReport>();
  /** Changed since the last test (the report is stale) / since the last save (PATCH must send them). */
  const [credentialsChanged, setCredentialsChanged] = useState(false);
  const [changedSinceSave, setChangedSinceSave] = useState(false);
  const [busy, setBusy] = useState<'test' | 'save'>();
  const [error, setError] = useState<Error>();

  const trimmed = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  const credentialsOf = (values: BasicValues) => {
    const apiBase = trimmed(values.apiBase);
    return { corpId: values.corpId.trim(), appKey: values.appKey.trim(), appSecret: values.appSecret, ...(apiBase ? { apiBase } : {}) };
  };

  const test = async () => {
    // Invalid fields show their own messages; nothing is sent.
    const values = await form.validateFields().catch(() => undefined);
    if (values === undefined) return;
    setBusy('test');
    setError(undefined);
    try {
      setReport(await api.testBinding(credentialsOf(values)));
      setCredentialsChanged(false);
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(undefined);
    }
  };

  const save = async () => {
    // Invalid fields show their own messages; nothing is sent.
    const values = await form.validateFields().catch(() => undefined);
    if (values === undefined) return;
    setBusy('save');
    setError(undefined);
    try {
      const agentId = trimmed(values.agentId);
      if (binding === undefined) {
        onSaved(await api.createBinding({ name: values.name.trim(), ...credentialsOf(values), ...(agentId ? { agentId } : {}) }));
      } else {
        // The CorpId anchors the binding and cannot change; credentials are sent only when they were changed (and tested).
        const { appKey, appSecret, apiBase } = credentialsOf(values);
        onSaved(
          await api.updateBinding(binding.id, {
            name: values.name.trim(),
            agentId: agentId ?? null,
            ...(changedSinceSave ? { appKey, appSecret, apiBase: apiBase ?? null } : {}),
          }),
        );
      }
      setChangedSinceSave(false);
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(undefined);
    }
  };

  const passed = report !== undefined && !credentialsChanged && credentialsPassed(report);
  // Coming back to an unchanged, saved binding needs no new test.
  const canSave = passed || (binding !== undefined && !credentialsChanged);
  const required = (label: string) => [{ required: true, whitespace: true, message: t('wizard.required', { field: label }) }];

  return (
    <Form<BasicValues>
      form={form}
      layout="vertical"
      style={{ maxWidth: 720 }}
      requiredMark
      onValuesChange={(changed) => {
        if (CREDENTIAL_FIELDS.some((field) => field in changed)) {
          setCredentialsChanged(true);
          setChangedSinceSave(true);
        }
      }}
    >
      <Form.Item name="name" label={t('wizard.basic.name')} rules={[...required(t('wizard.basic.name')), { max: 200 }]} extra={t('wizard.basic.nameHelp')}>
        <Input data-testid="wizard-name" autoComplete="off" />
      </Form.Item>
      <Form.Item name="corpId" label="CorpId" rules={[...required('CorpId'), { max: 100 }]} extra={t('wizard.basic.corpIdHelp')}>
        <Input data-testid="wizard-corp-id" autoComplete="off" disabled={binding !== undefined} />
      </Form.Item>
      <Form.Item name="appKey" label={t('wizard.basic.appKey')} rules={[...required('AppKey'), { max: 200 }]}>
        <Input data-testid="wizard-app-key" autoComplete="off" />
      </Form.Item>
      <Form.Item name="appSecret" label={t('wizard.basic.appSecret')} rules={[...required('AppSecret'), { max: 500 }]} extra={t('wizard.basic.appSecretHelp')}>
        <Input.Password data-testid="wizard-app-secret" autoComplete="new-password" />
      </Form.Item>
      <Form.Item
        name="agentId"
        label={t('wizard.basic.agentId')}
        rules={[{ pattern: /^\d{1,50}$/, message: t('wizard.basic.agentIdInvalid') }]}
        extra={t('wizard.basic.agentIdHelp')}
      >
        <Input data-testid="wizard-agent-id" autoComplete="off" />
      </Form.Item>
      <Collapse
        ghost
        style={{ marginBottom: 16 }}
        items={[
          {
            key: 'advanced',
            label: <span data-testid="wizard-advanced">{t('wizard.basic.advanced')}</span>,
            forceRender: true,
            children: (
              <Form.Item
                name="apiBase"
                label={t('wizard.basic.apiBase')}
                rules={[{ type: 'url', message: t('wizard.basic.apiBaseInvalid') }]}
                extra={t('wizard.basic.apiBaseHelp')}
              >
                <Input data-testid="wizard-api-base" placeholder="https://oapi.dingtalk.com" autoComplete="off" />
              </Form.Item>
            ),
          },
        ]}
      />
      <ErrorAlert error={error} />
      {report && (
        <Space direction="vertical" style={{ width: '100%', marginBottom: 16 }}>
          <Alert
            type={passed ? (report.ok ? 'success' : 'warning') : 'error'}
            showIcon
            title={t(credentialsChanged ? 'wizard.basic.testStale' : passed ? (report.ok ? 'wizard.basic.testOk' : 'wizard.basic.testPartial') : 'wizard.basic.testFailed')}
          />
          <CheckReportTable report={report} testId="wizard-test-report" />
        </Space>
      )}
      <Space>
        <Button loading={busy === 'test'} onClick={() => void test()} data-testid="wizard-test">
          {t('wizard.basic.test')}
        </Button>
        <Button type="primary" disabled={!canSave} loading={busy === 'save'} onClick={() => void save()} data-testid="wizard-basic-next">
          {t('wizard.next')}
        </Button>
      </Space>
      {!canSave && <p style={{ marginTop: 8 }}>{t('wizard.basic.testFirst')}</p>}
    </Form>
  );
}
