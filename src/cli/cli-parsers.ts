/**
 * Flag and argument parsers shared by the admin commands: each checks the raw text with zod and, when it does not
 * fit, throws commander's `InvalidArgumentError`, which commander prints naming the flag (exit code 2).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { Cron } from 'croner';
import { z } from 'zod';
import { EVENT_MODES, LOGIN_METHODS, type LoginSettings, type Schedule } from '../bindings/binding-contract.ts';
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

/** `--event-mode`: how DingTalk's change events reach Dingbridge. */
export const eventMode = parser(z.enum(EVENT_MODES), '"http" (DingTalk pushes to PUBLIC_URL), "stream" (Dingbridge connects) or "off"');

/** `--callback-token`: the signing token set in DingTalk's console (§7.3). */
export const callbackToken = parser(z.string().regex(/^[A-Za-z0-9]{3,32}$/), '3 to 32 letters or digits (开发者后台 → 事件订阅 → 签名 token)');

/** `--aes-key`: the EncodingAESKey set in DingTalk's console (§7.3). */
export const aesKey = parser(z.string().regex(/^[A-Za-z0-9]{43}$/), 'exactly 43 letters or digits (开发者后台 → 事件订阅 → 加密 aes_key)');

/** A schedule as `--schedule` gives it: the time zone comes from `--schedule-tz` (or the default) afterwards. */
export type ScheduleFlag = { kind: 'off' } | { kind: 'cron'; cron: string } | { kind: 'daily'; times: string[] } | { kind: 'interval'; hours: number };

const SCHEDULE_FORMS = 'off, cron:"<5-field cron>", daily:HH:MM[,HH:MM…] or every:<N>h (N from 1 to 24)';

/**
 * `--schedule`: `off`, `cron:<expr>`, `daily:HH:MM[,HH:MM…]` or `every:<N>h`.
 *
 * @example
 * schedule('daily:03:00,13:30'); // { kind: 'daily', times: ['03:00', '13:30'] }
 * schedule('every:6h'); // { kind: 'interval', hours: 6 }
 */
export function schedule(value: string): ScheduleFlag {
  const text = value.trim();
  if (text === 'off') return { kind: 'off' };
  const fail = (problem: string): never => {
    throw new InvalidArgumentError(`${problem}; expected ${SCHEDULE_FORMS}.`);
  };
  if (text.startsWith('cron:')) {
    const cron = text.slice('cron:'.length).trim();
    const fields = cron === '' ? 0 : cron.split(/\s+/).length;
    if (fields !== 5) fail(`"${cron}" has ${fields} fields, not 5 (minute hour day-of-month month day-of-week)`);
    try {
      new Cron(cron, { paused: true });
    } catch (error) {
      fail(`"${cron}" is not a cron expression (${(error as Error).message})`);
    }
    return { kind: 'cron', cron };
  }
  if (text.startsWith('daily:')) {
    const times = text.slice('daily:'.length).split(',').map((time) => time.trim());
    const bad = times.filter((time) => !/^([01]\d|2[0-3]):[0-5]\d$/.test(time));
    if (bad.length > 0) fail(`"${bad.join(',')}" is not a time of day as HH:MM (00:00 to 23:59)`);
    if (times.length > 24) fail(`${times.length} times is more than 24 a day`);
    return { kind: 'daily', times };
  }
  const every = /^every:(\d{1,2})h$/.exec(text);
  if (every !== null && Number(every[1]) >= 1 && Number(every[1]) <= 24) return { kind: 'interval', hours: Number(every[1]) };
  return fail(`"${value}" is not a schedule`);
}

/** `--schedule-tz`: an IANA time zone name. */
export function timeZone(value: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value;
  } catch {
    throw new InvalidArgumentError(`expected an IANA time zone such as Asia/Shanghai, Europe/Berlin or UTC, got "${value}".`);
  }
}

/** The binding's schedule from the two flags; `--schedule-tz` applies to cron and daily schedules only. */
export function scheduleOf(flag: ScheduleFlag, tz: string | undefined): Schedule {
  if (flag.kind === 'off' || flag.kind === 'interval') {
    if (tz !== undefined) {
      throw usageError(
        'cli.invalid_flag',
        `--schedule-tz applies to cron: and daily: schedules; ${flag.kind === 'off' ? 'off has no times' : 'every:<N>h runs in UTC, on the hour'}.`,
        { flag: '--schedule-tz' },
      );
    }
    return flag;
  }
  return { ...flag, timezone: tz ?? 'Asia/Shanghai' };
}

/** `--login`: the sign-in methods offered (`qr`, `workbench`, comma-separated), or `off`. */
export function loginMethods(value: string): LoginSettings['methods'] {
  if (value.trim() === 'off') return [];
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(LOGIN_METHODS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(`expected "off" or some of ${LOGIN_METHODS.join(',')} (comma-separated), got "${value}".`);
  }
  return [...new Set(names)] as LoginSettings['methods'];
}

export const outsiders = parser(z.enum(['deny', 'allow']), '"deny" (members of the organization only) or "allow"');

export const provisionOnLogin = parser(z.enum(['create', 'refuse']), '"create" (make the account at first sign-in) or "refuse" (wait for a sync)');

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
