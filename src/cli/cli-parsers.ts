/**
 * Flag and argument parsers shared by the admin commands: each checks the raw text with zod and, when it does not
 * fit, throws commander's `InvalidArgumentError`, which commander prints naming the flag (exit code 2).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { fieldMappingSchema, MATCHING_PRESETS, type SyncScope } from '../sync/index.ts';

/**
 * A commander parser that checks the value with zod and says what was expected.
 *
 * @example
 * program.option('--limit <n>', 'at most n', parser(z.coerce.number().int(), 'a whole number'));
 */
export function parser<T>(schema: z.ZodType<T, string>, expected: string): (value: string) => T {
  return (value) => {
    const result = schema.safeParse(value);
    if (!result.success) throw new InvalidArgumentError(`expected ${expected}, got "${value}".`);
    return result.data;
  };
}

export const wholeNumber = (min: number, max: number): ((value: string) => number) =>
  parser(z.string().regex(/^\d+$/).transform(Number).pipe(z.int().min(min).max(max)), `a whole number from ${min} to ${max}`);

export const uuid = parser(z.uuid(), 'a uuid such as 0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13');

export const httpUrl = parser(z.url({ protocol: /^https?$/ }), 'an http:// or https:// URL');

export const nonEmpty = (max: number): ((value: string) => string) =>
  parser(z.string().trim().min(1).max(max), `non-empty text of at most ${max} characters`);

export const percent = parser(
  z.string().regex(/^\d+(\.\d+)?$/).transform(Number).pipe(z.number().min(0).max(100)),
  'a number from 0 to 100',
);

/** `--delete-after-days`: a number of days, or `never` (kept disabled for ever). */
export const deleteAfterDays = parser(
  z.union([z.literal('never').transform(() => null), z.string().regex(/^\d+$/).transform(Number).pipe(z.int().min(0).max(36_500))]),
  'a whole number of days from 0 to 36500, or "never"',
);

/**
 * `--scope`: `all`, or departments as `<deptId>[,<deptId>[:only]]…` — `:only` syncs the department without its
 * subtree.
 *
 * @example
 * scope('42,7:only'); // { kind: 'departments', departments: [{ deptId: 42, subtree: true }, { deptId: 7, subtree: false }] }
 */
export function scope(value: string): SyncScope {
  if (value.trim() === 'all') return { kind: 'all' };
  const parts = value.split(',').map((part) => part.trim());
  const departments = parts.map((part) => {
    const match = /^(\d{1,15})(:only)?$/.exec(part);
    if (!match || Number(match[1]) < 1) {
      throw new InvalidArgumentError(`expected "all" or department ids such as 42,7:only; "${part}" is not one.`);
    }
    return { deptId: Number(match[1]), subtree: match[2] === undefined };
  });
  return { kind: 'departments', departments };
}

/** camelCase spellings people type for the snake_case preset names. */
const PRESET_ALIASES: Record<string, string> = { jobNumber: 'job_number', orgEmail: 'org_email' };

/** `--matching`: preset names in order (`mobile,email,job_number…`), or `none`. */
export function matching(value: string): string[] {
  if (value.trim() === 'none') return [];
  const names = value.split(',').map((name) => PRESET_ALIASES[name.trim()] ?? name.trim());
  const known = Object.keys(MATCHING_PRESETS);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`unknown matching rule ${unknown.map((name) => `"${name}"`).join(', ')}; expected "none" or some of ${known.join(', ')}.`);
  }
  return names;
}

/** `--mapping-file`: a JSON file holding a whole field mapping (target → `{source, mode}`), checked here already. */
export function mappingFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError(`could not read a JSON file at ${path}: ${(error as Error).message}`);
  }
  const result = fieldMappingSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`);
    throw new InvalidArgumentError(`${path} is not a field mapping: ${problems.join('; ')}.`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * A usage error found after parsing (a missing value, a combination): an AppError with status 400, which `main`
 * turns into exit code 2 (and `{error}` on stdout with `--json`).
 *
 * @example
 * throw usageError('cli.missing_flag', 'bindings add needs --app-secret (or DINGBRIDGE_APP_SECRET).');
 */
export function usageError(code: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(code, message, { status: 400, details });
}
