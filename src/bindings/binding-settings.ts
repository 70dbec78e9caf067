/**
 * A binding's sync settings (scope, thresholds, leaver policy, field mapping, matching rules): parsed with the sync
 * area's schemas on the way in, stored as their canonical JSON, parsed again on the way out to the sync pipeline.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import {
  DEFAULT_FIELD_MAPPING_SPEC,
  deletionThresholdsSchema,
  fieldMappingSchema,
  leaverPolicySchema,
  MATCHING_PRESETS,
  matchingRulesSchema,
  printExpression,
  printFieldMapping,
  syncScopeSchema,
  type DeletionThresholds,
  type FieldMapping,
  type LeaverPolicy,
  type MatchingPreset,
  type MatchingRule,
  type SyncScope,
  scheduleCrons,
} from '../sync/index.ts';
import { isTimeZone } from '../core/index.ts';
import type { JsonObject, JsonValue } from '../db/index.ts';
import {
  EVENT_MODES,
  loginSettingsSchema,
  outboundUnitsSchema,
  scheduleSchema,
  type LoginSettings,
  type OutboundSettings,
  type Schedule,
} from './binding-contract.ts';
import { inputIssues, invalidBinding, type InputIssue } from './binding-errors.ts';

/**
 * Limits that apply when a binding names none: a first sync against a wrongly scoped app must not disable half
 * the directory unasked. Either limit exceeded holds the run for approval.
 */
export const DEFAULT_DELETION_THRESHOLDS: DeletionThresholds = Object.freeze({ maxDeletes: 50, maxDeletePercent: 10 });

export interface BindingSettings {
  scope: SyncScope;
  thresholds: DeletionThresholds;
  leaverPolicy: LeaverPolicy;
  mapping: FieldMapping;
  matching: MatchingRule[];
}

/** The settings as stored in the jsonb columns, and as shown in a binding view. */
export interface StoredSettings {
  scope: JsonValue;
  thresholds: JsonValue;
  leaverPolicy: JsonValue;
  mapping: JsonValue;
  matching: JsonValue;
}

type EventMode = (typeof EVENT_MODES)[number];

type Parsed<T> = { ok: true; value: T } | { ok: false; issues: InputIssue[] };

/**
 * The field mapping (absent = the default) and matching rules (absent = none) of an input, with issues at
 * `mapping.<target>.source` and `matching.<n>` so the message names the target and the expression error.
 *
 * @example
 * const parsed = parseMappingAndMatching({ mapping: { username: { source: 'userid' }, displayName: { source: 'name' } } });
 */
export function parseMappingAndMatching(input: {
  mapping?: unknown;
  matching?: unknown;
}): Parsed<{ mapping?: FieldMapping; matching?: MatchingRule[] }> {
  const issues: InputIssue[] = [];
  const value: { mapping?: FieldMapping; matching?: MatchingRule[] } = {};
  if (input.mapping !== undefined) {
    const mapping = fieldMappingSchema.safeParse(input.mapping);
    if (mapping.success) value.mapping = mapping.data;
    else issues.push(...inputIssues(mapping.error.issues, ['mapping']));
  }
  if (input.matching !== undefined) {
    const matching = matchingRulesSchema.safeParse(input.matching);
    if (matching.success) value.matching = matching.data;
    else issues.push(...inputIssues(matching.error.issues, ['matching']));
  }
  return issues.length === 0 ? { ok: true, value } : { ok: false, issues };
}

/**
 * A request body parsed by `schema`, with its `mapping` and `matching` parsed by the sync area's schemas (the body
 * schema takes them as plain JSON); one `binding.invalid` names every bad field of both.
 *
 * @example
 * const { body, extra } = parseWithMapping(bindingUpdateSchema, patch); // extra.mapping: FieldMapping | undefined
 */
export function parseWithMapping<T>(
  schema: z.ZodType<T>,
  input: unknown,
): { body: T; extra: { mapping?: FieldMapping; matching?: MatchingRule[] } } {
  const parsed = schema.safeParse(input);
  const raw = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const extra = parseMappingAndMatching({ mapping: raw.mapping, matching: raw.matching });
  const issues = [...(parsed.success ? [] : inputIssues(parsed.error.issues)), ...(extra.ok ? [] : extra.issues)];
  if (!parsed.success || !extra.ok) throw invalidBinding(issues);
  return { body: parsed.data, extra: extra.value };
}

/** The default mapping, parsed. */
export function defaultMapping(): FieldMapping {
  return fieldMappingSchema.parse(DEFAULT_FIELD_MAPPING_SPEC);
}

/**
 * Canonical JSON of parsed settings: expressions printed, defaults filled, presets by name.
 *
 * @example
 * printSettings(settings).matching; // ['mobile', { name: 'wid', source: 'extension.工号', field: 'jobNumber' }]
 */
export function printSettings(settings: BindingSettings): StoredSettings {
  return {
    scope: settings.scope,
    thresholds: settings.thresholds,
    leaverPolicy: settings.leaverPolicy,
    mapping: printFieldMapping(settings.mapping),
    matching: settings.matching.map(printMatchingRule),
  };
}

/** A preset unchanged is stored by its name, so a later improvement of the preset reaches existing bindings. */
function printMatchingRule(rule: MatchingRule): JsonValue {
  const source = printExpression(rule.source);
  const preset = (MATCHING_PRESETS as Record<string, { source: string; field: string } | undefined>)[rule.name];
  if (preset !== undefined && preset.field === rule.field && canonicalPresetSource(rule.name as MatchingPreset) === source) {
    return rule.name;
  }
  return { name: rule.name, source, field: rule.field };
}

function canonicalPresetSource(name: MatchingPreset): string {
  const parsed = matchingRulesSchema.parse([name]);
  return printExpression(parsed[0]!.source);
}

/**
 * Stored settings parsed back; issues name the column (`mapping.email.source`) when a row no longer parses.
 *
 * @example
 * const parsed = parseStoredSettings({ scope: row.scope, thresholds: row.thresholds, … });
 */
export function parseStoredSettings(stored: StoredSettings): Parsed<BindingSettings> {
  const issues: InputIssue[] = [];
  const scope = parseField(syncScopeSchema, stored.scope, 'scope', issues);
  const thresholds = parseField(deletionThresholdsSchema, stored.thresholds, 'thresholds', issues);
  const leaverPolicy = parseField(leaverPolicySchema, stored.leaverPolicy, 'leaverPolicy', issues);
  const mapping = parseField(fieldMappingSchema, stored.mapping, 'mapping', issues);
  const matching = parseField(matchingRulesSchema, stored.matching, 'matching', issues);
  if (scope === undefined || thresholds === undefined || leaverPolicy === undefined || mapping === undefined || matching === undefined) {
    return { ok: false, issues };
  }
  return { ok: true, value: { scope, thresholds, leaverPolicy, mapping, matching } };
}

function parseField<T>(schema: z.ZodType<T>, value: unknown, prefix: string, issues: InputIssue[]): T | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  issues.push(...inputIssues(result.error.issues, [prefix]));
  return undefined;
}

/**
 * Real-time events, the reconciliation schedule and DingTalk sign-in (issues 5 and 6), kept together in the
 * `settings` jsonb column (no column each: they are read whole, never queried by value). The callback token and
 * AES key are sealed there (`binding:<id>:callback_token`, `binding:<id>:aes_key`).
 */
export interface ChannelSettings {
  events: { mode: EventMode; callbackToken: string | null; aesKey: string | null };
  schedule: Schedule;
  login: LoginSettings;
  /** Outbound provisioning (issue 7); a row written before it has none: off. */
  outbound: OutboundSettings;
}

const storedChannelSettingsSchema = z.object({
  events: z
    .object({ mode: z.enum(EVENT_MODES), callbackToken: z.string().nullable().default(null), aesKey: z.string().nullable().default(null) })
    .default({ mode: 'off', callbackToken: null, aesKey: null }),
  schedule: scheduleSchema.default({ kind: 'off' }),
  login: loginSettingsSchema.default({ methods: [], outsiders: 'deny', provisionOnLogin: 'refuse' }),
  outbound: z
    .object({ enabled: z.boolean(), agentId: z.string().nullable().default(null), units: outboundUnitsSchema.default({ kind: 'all' }) })
    .default({ enabled: false, agentId: null, units: { kind: 'all' } }),
});

/**
 * The channel settings of a stored `settings` object (a row written before issue 5 has `{}`: events off, no
 * schedule, no sign-in). Other keys of the object are left to their owners.
 *
 * @example
 * const parsed = parseChannelSettings(row.settings); // parsed.value.events.mode === 'off'
 */
export function parseChannelSettings(stored: JsonObject): Parsed<ChannelSettings> {
  const result = storedChannelSettingsSchema.safeParse(stored);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: inputIssues(result.error.issues, ['settings']) };
}

/** Five cron fields: minute hour day-of-month month day-of-week (pg-boss fires schedules by the minute). */
const CRON_FIELDS = 5;

/**
 * What is wrong with a schedule beyond its shape: an unknown time zone, a cron expression that does not parse.
 *
 * @example
 * scheduleIssues({ kind: 'cron', cron: '0 25 * * *', timezone: 'Asia/Shanghai' }); // [{ field: 'schedule.cron', … }]
 */
export function scheduleIssues(schedule: Schedule): InputIssue[] {
  const issues: InputIssue[] = [];
  const issue = (key: string, message: string): void => {
    issues.push({ field: `schedule.${key}`, message, code: 'custom', path: ['schedule', key] });
  };
  if (schedule.kind === 'cron' || schedule.kind === 'daily') {
    if (!isTimeZone(schedule.timezone)) {
      issue('timezone', `unknown time zone ${JSON.stringify(schedule.timezone)}; expected an IANA name such as Asia/Shanghai or UTC`);
      return issues;
    }
  }
  if (schedule.kind === 'cron') {
    const fields = schedule.cron.split(/\s+/).length;
    if (fields !== CRON_FIELDS) {
      issue('cron', `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields}`);
    } else {
      try {
        new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
      } catch (error) {
        issue('cron', `not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return issues;
}

/**
 * When the schedule next fires after `from` (null when it is off), computed the way pg-boss fires it: each
 * cron expression of {@link scheduleCrons} in its time zone.
 *
 * @example
 * nextScheduledAt(id, { kind: 'interval', hours: 6 }, new Date('2026-11-24T07:10:00Z')); // 2026-11-24T12:00:00.000Z
 */
export function nextScheduledAt(bindingId: string, schedule: Schedule, from: Date): Date | null {
  let next: Date | null = null;
  for (const { cron, tz } of scheduleCrons(bindingId, schedule)) {
    const at = new Cron(cron, { timezone: tz, paused: true }).nextRun(from);
    if (at !== null && (next === null || at < next)) next = at;
  }
  return next;
}
