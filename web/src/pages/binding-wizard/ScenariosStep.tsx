/**
 * Step 3, scenarios: the target node (shown, read-only), full sync now, incremental sync (off / HTTP push / Stream),
 * the reconciliation schedule, DingTalk sign-in and outbound provisioning. Saved with PATCH; HTTP push is saved in
 * step 5 together with the token and AES key it needs.
 */
import { Alert, Button, Checkbox, Descriptions, Form, Input, InputNumber, Radio, Select, Space, Switch } from 'antd';
import { useMemo, useState } from 'react';
import type { BindingCheckReport, BindingView } from '../../api-client.ts';
import type { ScheduleInput } from '../../../../src/bindings/binding-contract.ts';
import { useI18n, type MessageKey } from '../../i18n.tsx';
import { useSession } from '../../session.tsx';
import { ErrorAlert } from '../../ui.tsx';
import { useLoad } from '../../use-load.ts';

type EventMode = BindingView['events']['mode'];
type LoginMethod = BindingView['login']['methods'][number];

export interface ScenarioChoices {
  fullSyncNow: boolean;
  events: EventMode;
}

interface ScenarioValues {
  fullSyncNow: boolean;
  events: EventMode;
  scheduleKind: ScheduleInput['kind'];
  times: string[];
  hours: number;
  cron: string;
  timezone: string;
  login: LoginMethod[];
  outbound: boolean;
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const WRITE_PERMISSION = 'permission:qyapi_manage_addresslist';

export function ScenariosStep({
  binding,
  onBack,
  onSaved,
}: {
  binding: BindingView;
  onBack: () => void;
  onSaved: (view: BindingView, choices: ScenarioChoices) => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [form] = Form.useForm<ScenarioValues>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  /** The write permission's check item when outbound is on and it is not granted: shown, and "Next" goes on anyway. */
  const [writeProblem, setWriteProblem] = useState<BindingCheckReport['items'][number]>();
  const units = useLoad(() => api.listUnits(), [api]);
  const target = units.data?.find((unit) => unit.id === binding.targetUnitId);
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone').map((zone) => ({ value: zone, label: zone })), []);
  const kind = Form.useWatch('scheduleKind', form);
  const events = Form.useWatch('events', form);

  // The view shows the schedule in its parsed form (the contract's output type).
  const stored = binding.schedule as ScheduleInput;
  const initial: ScenarioValues = {
    fullSyncNow: true,
    events: binding.events.mode,
    scheduleKind: stored.kind,
    times: stored.kind === 'daily' ? stored.times : ['02:00'],
    hours: stored.kind === 'interval' ? stored.hours : 6,
    cron: stored.kind === 'cron' ? stored.cron : '0 2 * * *',
    timezone: (stored.kind === 'daily' || stored.kind === 'cron' ? stored.timezone : undefined) ?? 'Asia/Shanghai',
    login: binding.login.methods,
    outbound: binding.outbound.enabled,
  };

  const save = async () => {
    // Invalid fields show their own messages; nothing is sent.
    const values = await form.validateFields().catch(() => undefined);
    if (values === undefined) return;
    const schedule: ScheduleInput =
      values.scheduleKind === 'daily'
        ? { kind: 'daily', times: values.times, timezone: values.timezone }
        : values.scheduleKind === 'interval'
          ? { kind: 'interval', hours: values.hours }
          : values.scheduleKind === 'cron'
            ? { kind: 'cron', cron: values.cron.trim(), timezone: values.timezone }
            : { kind: 'off' };
    // HTTP push needs the token and AES key, which step 5 generates and saves with the mode.
    const eventsReady = values.events !== 'http' || (binding.events.callbackTokenSet && binding.events.aesKeySet);
    setBusy(true);
    setError(undefined);
    try {
      const view = await api.updateBinding(binding.id, {
        ...(eventsReady ? { events: { mode: values.events } } : {}),
        schedule,
        login: { ...binding.login, methods: values.login },
        outbound: { enabled: values.outbound, agentId: binding.outbound.agentId, units: binding.outbound.units },
      });
      // Outbound needs the write permission, which step 2 skipped while outbound was off: probe it now.
      if (values.outbound && writeProblem === undefined) {
        const write = (await api.checkBinding(binding.id)).items.find((item) => item.key === WRITE_PERMISSION);
        if (write !== undefined && write.status !== 'ok') {
          setWriteProblem(write);
          return;
        }
      }
      setWriteProblem(undefined);
      onSaved(view, { fullSyncNow: values.fullSyncNow, events: values.events });
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form<ScenarioValues> form={form} layout="vertical" initialValues={initial} style={{ maxWidth: 760 }}>
      <Descriptions bordered size="small" column={1} style={{ marginBottom: 24 }}>
        <Descriptions.Item label={t('wizard.scenarios.target')}>
          <span data-testid="wizard-target-unit">{target?.name ?? binding.name}</span>
          <div style={{ fontSize: 12, marginTop: 4 }}>{t('wizard.scenarios.targetWhy')}</div>
        </Descriptions.Item>
      </Descriptions>
      <Form.Item name="fullSyncNow" valuePropName="checked" extra={t('wizard.scenarios.fullSyncHelp')}>
        <Checkbox data-testid="wizard-full-sync">{t('wizard.scenarios.fullSync')}</Checkbox>
      </Form.Item>
      <Form.Item name="events" label={t('wizard.scenarios.events')} extra={t(`wizard.scenarios.events.${events ?? 'off'}Help` as MessageKey)}>
        <Radio.Group data-testid="wizard-events">
          <Radio value="off">{t('wizard.scenarios.events.off')}</Radio>
          <Radio value="http">{t('wizard.scenarios.events.http')}</Radio>
          <Radio value="stream">{t('wizard.scenarios.events.stream')}</Radio>
        </Radio.Group>
      </Form.Item>
      <Form.Item name="scheduleKind" label={t('wizard.scenarios.schedule')}>
        <Radio.Group data-testid="wizard-schedule">
          <Radio value="off">{t('wizard.scenarios.schedule.off')}</Radio>
          <Radio value="daily">{t('wizard.scenarios.schedule.daily')}</Radio>
          <Radio value="interval">{t('wizard.scenarios.schedule.interval')}</Radio>
          <Radio value="cron">{t('wizard.scenarios.schedule.cron')}</Radio>
        </Radio.Group>
      </Form.Item>
      {kind === 'daily' && (
        <Form.Item
          name="times"
          label={t('wizard.scenarios.times')}
          extra={t('wizard.scenarios.timesHelp')}
          rules={[
            { required: true, type: 'array', min: 1, max: 24, message: t('wizard.scenarios.timesRequired') },
            {
              validator: (_, value: string[] | undefined) =>
                (value ?? []).every((time) => TIME.test(time)) ? Promise.resolve() : Promise.reject(new Error(t('wizard.scenarios.timesInvalid'))),
            },
          ]}
        >
          <Select mode="tags" tokenSeparators={[',', ' ']} open={false} suffixIcon={null} />
        </Form.Item>
      )}
      {kind === 'interval' && (
        <Form.Item name="hours" label={t('wizard.scenarios.hours')} rules={[{ required: true, type: 'integer', min: 1, max: 24, message: t('wizard.scenarios.hoursInvalid') }]}>
          <InputNumber min={1} max={24} precision={0} />
        </Form.Item>
      )}
      {kind === 'cron' && (
        <Form.Item
          name="cron"
          label={t('wizard.scenarios.cron')}
          extra={t('wizard.scenarios.cronHelp')}
          rules={[
            { required: true, whitespace: true, message: t('wizard.scenarios.cronRequired') },
            { pattern: /^\s*\S+(\s+\S+){4}\s*$/, message: t('wizard.scenarios.cronFields') },
          ]}
        >
          <Input style={{ maxWidth: 240 }} />
        </Form.Item>
      )}
      {(kind === 'daily' || kind === 'cron') && (
        <Form.Item name="timezone" label={t('wizard.scenarios.timezone')} rules={[{ required: true }]}>
          <Select showSearch options={zones} style={{ maxWidth: 320 }} />
        </Form.Item>
      )}
      <Form.Item name="login" label={t('wizard.scenarios.login')} extra={t('wizard.scenarios.loginHelp')}>
        <Checkbox.Group
          options={[
            { value: 'qr', label: t('wizard.scenarios.login.qr') },
            { value: 'workbench', label: t('wizard.scenarios.login.workbench') },
          ]}
        />
      </Form.Item>
      <Form.Item
        name="outbound"
        label={t('wizard.scenarios.outbound')}
        valuePropName="checked"
        extra={t('wizard.scenarios.outboundHelp')}
      >
        <Switch data-testid="wizard-outbound" />
      </Form.Item>
      {events === 'http' && <Alert type="info" showIcon style={{ marginBottom: 16 }} title={t('wizard.scenarios.httpNext')} />}
      <ErrorAlert error={error} />
      {writeProblem && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="wizard-write-permission"
          title={t('wizard.scenarios.writeMissing')}
          description={`${writeProblem.message} ${t('wizard.hint.permission', { permission: 'qyapi_manage_addresslist' })}`}
        />
      )}
      <Space>
        <Button onClick={onBack}>{t('wizard.back')}</Button>
        <Button type="primary" loading={busy} onClick={() => void save()} data-testid="wizard-scenarios-next">
          {t(writeProblem ? 'wizard.check.continueAnyway' : 'wizard.next')}
        </Button>
      </Space>
    </Form>
  );
}
