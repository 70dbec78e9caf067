/**
 * A binding's sync settings (scope, thresholds, leaver policy, field mapping, matching rules): parsed with the sync
 * area's schemas on the way in, stored as their canonical JSON, parsed again on the way out to the sync pipeline.
 */
import type { z } from 'zod';
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
} from '../sync/index.ts';
import type { JsonValue } from '../db/index.ts';
import { inputIssues, type InputIssue } from './binding-errors.ts';

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
