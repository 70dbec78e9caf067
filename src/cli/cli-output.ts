/**
 * Human output: aligned tables and `key: value` lines. Machine output is `--json`, one document, written by
 * {@link writeJson}.
 */
import type { CliOutput } from './cli-io.ts';

export function writeJson(out: CliOutput, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A cell as text: null/undefined as `-`, objects as compact JSON. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Columns padded to their widest cell, a header row first.
 *
 * @example
 * table([{ id: 'a', name: 'Acme' }], ['id', 'name']); // "ID  NAME\na   Acme\n"
 */
export function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  const grid = [columns.map((column) => column.toUpperCase()), ...rows.map((row) => columns.map((column) => cell(row[column])))];
  const widths = columns.map((_, index) => Math.max(...grid.map((line) => line[index]!.length)));
  return grid.map((line) => line.map((text, index) => (index === line.length - 1 ? text : text.padEnd(widths[index]!))).join('  ')).join('\n') + '\n';
}

/**
 * `key: value` lines, keys aligned.
 *
 * @example
 * keyValues({ id: 'a', name: 'Acme' }); // "id:   a\nname: Acme\n"
 */
export function keyValues(record: Record<string, unknown>): string {
  const width = Math.max(0, ...Object.keys(record).map((key) => key.length + 1));
  return Object.entries(record).map(([key, value]) => `${`${key}:`.padEnd(width)} ${cell(value)}`).join('\n') + '\n';
}
