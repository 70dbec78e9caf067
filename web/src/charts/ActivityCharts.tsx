/**
 * Runs, DingTalk calls and processed events over time (`GET /api/v1/stats/activity`), in the browser's time zone:
 * hourly for the last 24 hours, daily for 7 or 30 days.
 */
import { Card, Col, Row, Segmented } from 'antd';
import { useState } from 'react';
import type { Activity } from '../api-client.ts';
import { useI18n, type MessageKey } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorAlert } from '../ui.tsx';
import { useLoad } from '../use-load.ts';
import { BarChart, type BarSeries } from './BarChart.tsx';

type Range = Activity['range'];
const RANGES: Range[] = ['24h', '7d', '30d'];

/** Run statuses stacked in the runs chart, with the theme's darker shades (App.tsx) so bars keep 3:1 on white. */
const RUN_SERIES: { status: keyof Activity['buckets'][number]['runs']['byStatus']; color: string }[] = [
  { status: 'succeeded', color: '#237804' },
  { status: 'partial', color: '#ad6800' },
  { status: 'held', color: '#722ed1' },
  { status: 'failed', color: '#cf1322' },
  { status: 'rejected', color: '#595959' },
  { status: 'running', color: '#0958d9' },
  { status: 'queued', color: '#8c8c8c' },
];

/** `refresh`: a value that changes when the charts should be read again (the overview passes its runs' states). */
export function ActivityCharts({ bindingId, refresh }: { bindingId?: string; refresh?: string }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const [range, setRange] = useState<Range>('24h');
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const loaded = useLoad(() => api.activity({ range, tz, ...(bindingId ? { bindingId } : {}) }), [api, range, tz, bindingId, refresh]);
  const activity = loaded.data;
  const buckets = activity?.buckets ?? [];
  const hourly = activity?.bucket === 'hour';
  const labels = buckets.map((b) =>
    new Date(b.start).toLocaleString(lang, hourly ? { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { year: 'numeric', month: 'numeric', day: 'numeric' }),
  );
  // Every 6th hour, every day of a week, every 5th day of a month: enough to read, never crowded.
  const every = hourly ? 6 : buckets.length > 7 ? 5 : 1;
  const ticks = buckets.map((b, i) =>
    (buckets.length - 1 - i) % every === 0
      ? new Date(b.start).toLocaleString(lang, hourly ? { hour: '2-digit', minute: '2-digit', hour12: false } : { month: 'numeric', day: 'numeric' })
      : '',
  );
  const bucketWord = t(hourly ? 'charts.hour' : 'charts.day');
  const chart = (title: string, series: BarSeries[], testId: string) => {
    const totals = buckets.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
    const summary = t('charts.summary', { title, total: totals.reduce((a, b) => a + b, 0), max: Math.max(0, ...totals), bucket: bucketWord });
    return (
      <BarChart title={title} summary={summary} labels={labels} ticks={ticks} series={series} labelHeader={t('charts.time')} totalHeader={t('charts.total')} testId={testId} />
    );
  };
  const runSeries: BarSeries[] = RUN_SERIES.filter(({ status }) => (status !== 'queued' && status !== 'running') || buckets.some((b) => b.runs.byStatus[status] > 0)).map(
    ({ status, color }) => ({ key: status, name: t(`status.${status}` as MessageKey), color, values: buckets.map((b) => b.runs.byStatus[status]) }),
  );
  const callSeries: BarSeries[] = [
    { key: 'ok', name: t('charts.calls.ok'), color: '#0958d9', values: buckets.map((b) => b.apiCalls - b.throttled) },
    { key: 'throttled', name: t('charts.throttled'), color: '#d46b08', values: buckets.map((b) => b.throttled) },
  ];
  const eventSeries: BarSeries[] = [{ key: 'events', name: t('charts.events.n'), color: '#006d75', values: buckets.map((b) => b.events) }];
  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('charts.title')}</h2>}
      extra={
        <Segmented<Range>
          aria-label={t('charts.range')}
          value={range}
          onChange={setRange}
          options={RANGES.map((value) => ({ value, label: t(`charts.range.${value}` as MessageKey) }))}
          data-testid="activity-range"
        />
      }
      data-testid="activity"
      data-range={activity?.range}
    >
      <ErrorAlert error={loaded.error} />
      {activity && (
        <Row gutter={[24, 24]}>
          <Col xs={24} xl={8}>
            {chart(t('charts.runs'), runSeries, 'chart-runs')}
          </Col>
          <Col xs={24} xl={8}>
            {chart(t('charts.calls'), callSeries, 'chart-calls')}
          </Col>
          <Col xs={24} xl={8}>
            {chart(t('charts.events'), eventSeries, 'chart-events')}
          </Col>
        </Row>
      )}
    </Card>
  );
}
