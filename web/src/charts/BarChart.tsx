/**
 * A small stacked bar chart in plain SVG: no charting library (antd has none, and G2 / @ant-design/charts would
 * add about 1 MB to the console). The picture is hidden from assistive technology; what it shows is there as a
 * one-sentence summary (the figure's caption) and as a visually hidden table of every bucket.
 */
import { useId } from 'react';

export interface BarSeries {
  key: string;
  /** Shown in the legend and the table header. */
  name: string;
  /** Fill; dark enough for 3:1 against white (WCAG 1.4.11, graphical objects). */
  color: string;
  /** One value per label. */
  values: number[];
}

export interface BarChartProps {
  title: string;
  /** The caption under the title, e.g. "Runs: 12 in total, at most 4 in one hour." */
  summary: string;
  /** Full label of each bucket (table rows, bar tooltips). */
  labels: string[];
  /** Short axis label of each bucket; empty strings are skipped, so long ranges stay readable. */
  ticks: string[];
  series: BarSeries[];
  /** Header of the table's first column ("Time"). */
  labelHeader: string;
  totalHeader: string;
  testId?: string;
}

// A third of the content width on a laptop is about 300 px: drawn at that size, 10-unit text reads as ~10 px.
const WIDTH = 320;
const HEIGHT = 160;
const PAD = { top: 10, right: 6, bottom: 22, left: 30 };

/** Round up to 1, 2 or 5 × a power of ten, so the axis top is a readable number. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * @example
 * <BarChart title="Runs" summary="…" labels={['10:00', '11:00']} ticks={['10:00', '']} labelHeader="Time" totalHeader="Total"
 *   series={[{ key: 'ok', name: 'Succeeded', color: '#237804', values: [3, 1] }]} />
 */
export function BarChart({ title, summary, labels, ticks, series, labelHeader, totalHeader, testId }: BarChartProps) {
  const captionId = useId();
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const top = niceCeiling(Math.max(0, ...totals));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, labels.length);
  const barWidth = Math.max(1, slot * 0.7);
  const y = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;
  return (
    <figure style={{ margin: 0 }} data-testid={testId} data-total={totals.reduce((a, b) => a + b, 0)} aria-labelledby={captionId}>
      <figcaption id={captionId}>
        <strong>{title}</strong>
        <div style={{ fontSize: 12, color: 'rgba(0, 0, 0, 0.62)' }}>{summary}</div>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" aria-hidden="true" focusable="false" style={{ display: 'block', maxHeight: 220 }}>
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} stroke="#8c8c8c" />
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(top)} y2={y(top)} stroke="#f0f0f0" />
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(top / 2)} y2={y(top / 2)} stroke="#f0f0f0" />
        <text x={PAD.left - 4} y={y(top) + 4} textAnchor="end" fontSize={10} fill="#595959">
          {top}
        </text>
        <text x={PAD.left - 4} y={y(0) + 4} textAnchor="end" fontSize={10} fill="#595959">
          0
        </text>
        {labels.map((label, i) => {
          let base = 0;
          const x = PAD.left + i * slot + (slot - barWidth) / 2;
          return (
            <g key={label}>
              <title>{`${label}: ${series.map((s) => `${s.name} ${s.values[i] ?? 0}`).join(', ')}`}</title>
              {series.map((s) => {
                const value = s.values[i] ?? 0;
                if (value === 0) return null;
                const y0 = y(base);
                base += value;
                return <rect key={s.key} x={x} y={y(base)} width={barWidth} height={Math.max(0.5, y0 - y(base))} fill={s.color} />;
              })}
              {ticks[i] ? (
                // The last tick ends at its bar's right edge, so it is never cut off at the chart's edge.
                <text x={i === labels.length - 1 ? x + barWidth : x + barWidth / 2} y={HEIGHT - 8} textAnchor={i === labels.length - 1 ? 'end' : 'middle'} fontSize={10} fill="#595959">
                  {ticks[i]}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <ul aria-hidden="true" style={{ display: 'flex', flexWrap: 'wrap', gap: 12, listStyle: 'none', margin: '4px 0 0', padding: 0, fontSize: 12 }}>
          {series.map((s) => (
            <li key={s.key} style={{ display: 'flex', alignItems: 'center', gap: 4 }}>
              <span style={{ width: 10, height: 10, background: s.color, display: 'inline-block' }} />
              {s.name}
            </li>
          ))}
        </ul>
      )}
      <table style={VISUALLY_HIDDEN}>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{labelHeader}</th>
            {series.map((s) => (
              <th scope="col" key={s.key}>
                {s.name}
              </th>
            ))}
            {series.length > 1 && <th scope="col">{totalHeader}</th>}
          </tr>
        </thead>
        <tbody>
          {labels.map((label, i) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              {series.map((s) => (
                <td key={s.key}>{s.values[i] ?? 0}</td>
              ))}
              {series.length > 1 && <td>{totals[i]}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Off screen but read by screen readers (the usual "sr-only" rule). */
const VISUALLY_HIDDEN = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
} as const;
