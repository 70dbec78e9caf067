/**
 * Field mapping (DESIGN.md "Identity model"): for each account attribute, a source expression over the DingTalk
 * user record (§4.3 fields) and who owns the attribute.
 *
 * Ownership modes:
 * - `dingtalk`: overwritten from DingTalk at every sync (a value DingTalk no longer has is cleared, except the
 *   required `username` and `displayName`, which keep their last value).
 * - `fill_if_empty`: written when the local value is empty, never overwritten.
 * - `local`: initialises a new account (the required columns need a value), never written afterwards.
 *
 * Passwords are not a mapping target: sync never touches them.
 *
 * Values are compared the way the directory treats them, so a re-sync with nothing changed in DingTalk plans
 * nothing: emails and usernames ignoring case, mobiles as digits with their country code, the rest as trimmed text.
 */
import { z } from 'zod';
import type { AccountFieldValues, JsonValue } from './local-directory-view.ts';
import { evaluateExpression, parseExpression, printExpression, type Expression } from './mapping-expression.ts';

/** The account columns a mapping may write, in the order plans list their changes. */
export const ACCOUNT_FIELDS = ['username', 'displayName', 'email', 'mobile', 'jobNumber', 'title'] as const;
export type AccountField = (typeof ACCOUNT_FIELDS)[number];
/** An account column, or a key of the `attributes` jsonb column. */
export type MappingTarget = AccountField | `attributes.${string}`;

export const OWNERSHIP_MODES = ['dingtalk', 'fill_if_empty', 'local'] as const;
export type OwnershipMode = (typeof OWNERSHIP_MODES)[number];

/** Columns that are NOT NULL: a missing value never clears them, and an account is not created without them. */
export const REQUIRED_FIELDS: readonly MappingTarget[] = ['username', 'displayName'];

const ATTRIBUTE_TARGET = /^attributes\.[\p{L}\p{N}_-]+$/u;

/** Expression text, parsed (never evaluated as code) into its syntax tree; a parse error names the column. */
export const expressionSchema = z.string().transform((text, ctx): Expression => {
  const parsed = parseExpression(text);
  if (parsed.ok) return parsed.expression;
  ctx.addIssue({ code: 'custom', message: `not a mapping expression: ${parsed.error.message}`, input: text });
  return z.NEVER;
});

export const mappingTargetSchema = z.string().check((ctx) => {
  const problem = mappingTargetProblem(ctx.value);
  if (problem !== null) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
});

function mappingTargetProblem(target: string): string | null {
  if ((ACCOUNT_FIELDS as readonly string[]).includes(target) || ATTRIBUTE_TARGET.test(target)) return null;
  if (/password/i.test(target)) return 'passwords are never synced';
  return `unknown target "${target}": one of ${ACCOUNT_FIELDS.join(', ')} or attributes.<key>`;
}

export const fieldRuleSchema = z.object({
  source: expressionSchema,
  mode: z.enum(OWNERSHIP_MODES).default('dingtalk'),
});

/**
 * A binding's field mapping as stored (expressions as text) and parsed (expressions as trees).
 *
 * @example
 * const mapping = fieldMappingSchema.parse({ ...DEFAULT_FIELD_MAPPING_SPEC, 'attributes.workPlace': { source: 'work_place' } });
 */
export const fieldMappingSchema = z
  .record(z.string(), fieldRuleSchema)
  .check((ctx) => {
    // Keys are checked here rather than by a key schema, so each message stands at its key's path.
    for (const target of Object.keys(ctx.value)) {
      const problem = mappingTargetProblem(target);
      if (problem !== null) ctx.issues.push({ code: 'custom', input: target, path: [target], message: problem });
    }
    for (const target of REQUIRED_FIELDS) {
      if (ctx.value[target] === undefined) {
        ctx.issues.push({ code: 'custom', input: ctx.value, path: [target], message: `${target} must be mapped: new accounts need it` });
      }
    }
  })
  .transform((record) => record as FieldMapping);

export type FieldRule = z.output<typeof fieldRuleSchema>;
export type FieldMapping = Partial<Record<MappingTarget, FieldRule>>;
export type FieldMappingSpec = z.input<typeof fieldMappingSchema>;

/** A mobile with its country code when DingTalk gives one (§4.3 `state_code`, `86` without `+`). */
export const MOBILE_WITH_STATE_CODE = '"+{state_code} {mobile}" | mobile';

/**
 * The default mapping. `username` is `fill_if_empty`, which for a NOT NULL column means "set at creation only":
 * a login name that followed DingTalk renames would break sign-ins elsewhere. `mobile` carries the country code
 * (`+86 138…`, E.164 style as OIDC's `phone_number` recommends) when DingTalk gives one, so numbers from different
 * countries never collide; matching compares mobiles as digits with country code, so a local `13800000000` still
 * equals `+86 13800000000` and is not rewritten.
 */
export const DEFAULT_FIELD_MAPPING_SPEC = {
  username: { source: 'userid', mode: 'fill_if_empty' },
  displayName: { source: 'name', mode: 'dingtalk' },
  email: { source: 'org_email | email', mode: 'dingtalk' },
  mobile: { source: MOBILE_WITH_STATE_CODE, mode: 'dingtalk' },
  jobNumber: { source: 'job_number', mode: 'dingtalk' },
  title: { source: 'title', mode: 'dingtalk' },
} as const satisfies FieldMappingSpec;

/** {@link DEFAULT_FIELD_MAPPING_SPEC}, parsed. */
export function defaultFieldMapping(): FieldMapping {
  return fieldMappingSchema.parse(DEFAULT_FIELD_MAPPING_SPEC);
}

/**
 * A parsed mapping back in its stored form (expressions as canonical text).
 *
 * @example
 * printFieldMapping(defaultFieldMapping()).email; // { source: 'org_email | email', mode: 'dingtalk' }
 */
export function printFieldMapping(mapping: FieldMapping): Record<string, { source: string; mode: OwnershipMode }> {
  const printed: Record<string, { source: string; mode: OwnershipMode }> = {};
  for (const target of mappingTargets(mapping)) {
    const rule = mapping[target];
    if (rule !== undefined) printed[target] = { source: printExpression(rule.source), mode: rule.mode };
  }
  return printed;
}

/** The mapped targets in a stable order: account columns first, then attributes by key. */
export function mappingTargets(mapping: FieldMapping): MappingTarget[] {
  const keys = Object.keys(mapping) as MappingTarget[];
  const columns = ACCOUNT_FIELDS.filter((field) => keys.includes(field));
  const attributes = keys.filter((key) => key.startsWith('attributes.')).sort();
  return [...columns, ...attributes];
}

/** The mapped value of every target for one DingTalk user record; `null` where the source is missing. */
export type MappedValues = Partial<Record<MappingTarget, string | null>>;

/**
 * Evaluates every rule of `mapping` against one user record.
 *
 * @example
 * mapUserRecord(defaultFieldMapping(), { userid: 'u1', name: '张三', state_code: '86', mobile: '13800000000' });
 * // { username: 'u1', displayName: '张三', email: null, mobile: '+86 13800000000', jobNumber: null, title: null }
 */
export function mapUserRecord(mapping: FieldMapping, record: Readonly<Record<string, unknown>>): MappedValues {
  const values: MappedValues = {};
  for (const target of mappingTargets(mapping)) {
    const rule = mapping[target];
    if (rule !== undefined) values[target] = evaluateExpression(rule.source, record);
  }
  return values;
}

/** One attribute's value before and after an operation (`before` as the directory holds it). */
export interface FieldChange {
  field: string;
  before: JsonValue;
  after: JsonValue;
}

/**
 * The values a new account starts with: every mapped value, whatever its mode; `missing` names required targets
 * without a value (the account cannot be created).
 *
 * @example
 * initialFieldValues(defaultFieldMapping(), mapped); // { values: { username: 'u1', displayName: '张三', … }, missing: [] }
 */
export function initialFieldValues(
  mapping: FieldMapping,
  mapped: MappedValues,
): { values: Record<string, string>; missing: MappingTarget[] } {
  const values: Record<string, string> = {};
  for (const target of mappingTargets(mapping)) {
    const value = mapped[target];
    if (value !== null && value !== undefined) values[target] = value;
  }
  const missing = REQUIRED_FIELDS.filter((target) => values[target] === undefined);
  return { values, missing };
}

/**
 * The changes sync makes to an existing account, field by field, respecting each target's ownership mode.
 *
 * @example
 * fieldChanges(defaultFieldMapping(), { ...mapped, title: '工程师' }, account.fields);
 * // [{ field: 'title', before: null, after: '工程师' }]
 */
export function fieldChanges(mapping: FieldMapping, mapped: MappedValues, current: AccountFieldValues): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const target of mappingTargets(mapping)) {
    const rule = mapping[target];
    const after = mapped[target] ?? null;
    if (rule === undefined || rule.mode === 'local') continue;
    const before = currentValue(current, target);
    if (rule.mode === 'fill_if_empty') {
      if (after !== null && comparableText(target, before) === null) changes.push({ field: target, before, after });
      continue;
    }
    if (after === null && REQUIRED_FIELDS.includes(target)) continue;
    if (comparableText(target, before) !== comparableText(target, after)) changes.push({ field: target, before, after });
  }
  return changes;
}

/**
 * The local value of a target as the directory holds it (`null` for an absent attribute).
 *
 * @example
 * currentValue(account.fields, 'attributes.workPlace'); // '杭州' or null
 */
export function currentValue(fields: AccountFieldValues, target: MappingTarget): JsonValue {
  if (target.startsWith('attributes.')) return fields.attributes[target.slice('attributes.'.length)] ?? null;
  return fields[target as AccountField];
}

/**
 * A value in the form two values of `target` are compared in (and matched on), or `null` for an empty one.
 *
 * @example
 * comparableText('email', ' Li@Example.COM '); // 'li@example.com'
 * comparableText('mobile', '+86 138-0000-0000'); // '8613800000000'
 */
export function comparableText(target: string, value: JsonValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value); // a structured local attribute never equals mapped text
  const text = String(value).trim();
  if (text === '') return null;
  switch (target) {
    case 'email':
    case 'username':
      return text.toLowerCase();
    case 'mobile':
      return canonicalMobile(text);
    default:
      return text;
  }
}

/**
 * A mobile number as digits with its country code. A number written without `+` or `00` is national: Chinese
 * mobiles (11 digits starting with 1) get 86, the country of DingTalk's default `state_code`; other national
 * numbers stay as they are, since their country cannot be known.
 *
 * @example
 * canonicalMobile('13800000000'); // '8613800000000'
 * canonicalMobile('+852 5123 4567'); // '85251234567'
 */
export function canonicalMobile(text: string): string | null {
  const trimmed = text.trim();
  let digits = trimmed.replace(/\D/g, '');
  if (digits === '') return null;
  if (trimmed.startsWith('+')) return digits;
  if (trimmed.startsWith('00')) return digits.slice(2);
  if (digits.length === 11 && digits.startsWith('1')) digits = `86${digits}`;
  return digits;
}
