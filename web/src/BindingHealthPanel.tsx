/**
 * A binding's health (`GET /api/v1/bindings/:id/health`, `/api/v1/overview`) as the console shows it: the
 * summary tag, event lag, errors and credential state — the overview's table cells and the binding page's panel.
 */
import { Card, Descriptions, Space, Tag, Tooltip, Typography } from 'antd';
import type { BindingHealth } from './api-client.ts';
import { useI18n, type MessageKey } from './i18n.tsx';
import { Link } from './router.tsx';
import { useSession } from './session.tsx';
import { ErrorAlert, StatusTag, Time } from './ui.tsx';
import { useLoad } from './use-load.ts';

const STATE_COLORS: Record<BindingHealth['state'], string> = { ok: 'success', warning: 'warning', error: 'error', idle: 'default' };
const CREDENTIAL_COLORS: Record<BindingHealth['credentials']['state'], string> = { ok: 'success', failing: 'error', unknown: 'default' };

/** The summary: healthy, needs attention, errors, never synced. */
export function HealthStateTag({ health }: { health: BindingHealth }) {
  const { t } = useI18n();
  return (
    <Tag color={STATE_COLORS[health.state]} data-testid="health-state" data-state={health.state}>
      {t(`health.state.${health.state}` as MessageKey)}
    </Tag>
  );
}

/** "3 s", "5 min", "2 h", "1 d" in the console's language. */
export function useAge(): (seconds: number) => string {
  const { t } = useI18n();
  return (seconds) => {
    if (seconds < 60) return t('health.seconds', { n: seconds });
    if (seconds < 3600) return t('health.minutes', { n: Math.floor(seconds / 60) });
    if (seconds < 86_400) return t('health.hours', { n: Math.floor(seconds / 3600) });
    return t('health.days', { n: Math.floor(seconds / 86_400) });
  };
}

/** Events waiting and the age of the oldest (the lag), then when the last one arrived. */
export function EventLag({ health }: { health: BindingHealth }) {
  const { t } = useI18n();
  const age = useAge();
  const { pending, lagSeconds, lastReceivedAt } = health.events;
  return (
    <span data-testid="health-lag" data-pending={pending}>
      {pending > 0 && lagSeconds !== null ? t('health.lag', { n: pending, age: age(lagSeconds) }) : t('health.noLag')}
      <br />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {lastReceivedAt ? (
          <>
            {t('health.lastEvent')} <Time iso={lastReceivedAt} />
          </>
        ) : (
          t('health.noEvents')
        )}
      </Typography.Text>
    </span>
  );
}

/** Failed operations of the last run, failed events, failed deliveries; "none" when all are zero. */
export function HealthErrors({ health }: { health: BindingHealth }) {
  const { t } = useI18n();
  const lines: string[] = [];
  if (health.lastRun && health.lastRun.failedOps > 0) lines.push(t('health.failedOps', { n: health.lastRun.failedOps }));
  if (health.lastRun?.status === 'failed' && health.lastRun.errorCode) lines.push(health.lastRun.errorCode);
  if (health.events.failed > 0) lines.push(t('health.failedEvents', { n: health.events.failed }));
  if (health.outbound.failed > 0) lines.push(t('health.failedDeliveries', { n: health.outbound.failed }));
  if (lines.length === 0) return <span data-testid="health-errors" data-count={0}>{t('health.noErrors')}</span>;
  return (
    <Typography.Text type="danger" data-testid="health-errors" data-count={lines.length}>
      {lines.map((line) => (
        <div key={line}>{line}</div>
      ))}
    </Typography.Text>
  );
}

/** Whether DingTalk accepted the credentials in the last sync that reached it (never a live call). */
export function CredentialsTag({ health }: { health: BindingHealth }) {
  const { t } = useI18n();
  const { state, message } = health.credentials;
  const tag = (
    <Tag color={CREDENTIAL_COLORS[state]} data-testid="health-credentials" data-state={state}>
      {t(`health.credentials.${state}` as MessageKey)}
    </Tag>
  );
  return <Tooltip title={message ?? t('health.credentialsHelp')}>{tag}</Tooltip>;
}

/** This replica's Stream connection: open since when, or what it is doing and the last error. */
function StreamState({ stream }: { stream: NonNullable<BindingHealth['stream']> }) {
  const { t } = useI18n();
  const tag = (
    <Tag color={stream.state === 'open' ? 'success' : 'warning'} data-testid="health-stream" data-state={stream.state}>
      {t(`health.stream.${stream.state}` as MessageKey)}
    </Tag>
  );
  return (
    <Space size={4} wrap>
      {stream.lastError && stream.state !== 'open' ? <Tooltip title={stream.lastError}>{tag}</Tooltip> : tag}
      {stream.state === 'open' && stream.connectedAt && (
        <Typography.Text type="secondary">
          {t('health.stream.since')} <Time iso={stream.connectedAt} />
        </Typography.Text>
      )}
      {stream.reconnects > 0 && <Typography.Text type="secondary">{t('health.stream.reconnects', { n: stream.reconnects })}</Typography.Text>}
    </Space>
  );
}

/** The binding page's health panel, under its title. */
export function BindingHealthPanel({ id }: { id: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const loaded = useLoad(() => api.bindingHealth(id), [api, id], {
    poll: (health) => health.lastRun?.status === 'queued' || health.lastRun?.status === 'running' || health.events.pending > 0,
    intervalMs: 3000,
  });
  const health = loaded.data;
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('health.title')}</h2>} extra={health && <HealthStateTag health={health} />} data-testid="binding-health">
      <ErrorAlert error={loaded.error} />
      {health && (
        <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }}>
          <Descriptions.Item label={t('overview.lastRun')}>
            {health.lastRun ? (
              <Link to={`/runs/${health.lastRun.id}`}>
                <Space size={4}>
                  <StatusTag status={health.lastRun.status} />
                  <Time iso={health.lastRun.endedAt ?? health.lastRun.createdAt} />
                </Space>
              </Link>
            ) : (
              t('overview.noRuns')
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('health.lastFullSync')}>
            <Time iso={health.lastFullSyncAt} />
          </Descriptions.Item>
          <Descriptions.Item label={t('health.credentials')}>
            <CredentialsTag health={health} />
          </Descriptions.Item>
          <Descriptions.Item label={t('health.eventLag')}>
            <EventLag health={health} />
          </Descriptions.Item>
          <Descriptions.Item label={t('health.errors')}>
            <HealthErrors health={health} />
          </Descriptions.Item>
          <Descriptions.Item label={t('health.outbound')}>
            {t('health.outboundPending', { n: health.outbound.pending })}
          </Descriptions.Item>
          <Descriptions.Item label={t('health.heldRuns')}>
            <span data-testid="health-held">{health.heldRuns}</span>
          </Descriptions.Item>
          {health.stream && (
            <Descriptions.Item label={t('health.stream')}>
              <StreamState stream={health.stream} />
            </Descriptions.Item>
          )}
        </Descriptions>
      )}
    </Card>
  );
}
