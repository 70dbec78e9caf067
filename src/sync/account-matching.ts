/**
 * Matching DingTalk people to existing local accounts (DESIGN.md "Identity model"): ordered rules, each comparing
 * a DingTalk-side expression with a local field, both normalized as field mapping compares them (emails ignoring
 * case, mobiles as digits with country code, usernames ignoring case).
 *
 * A person is matched by the first rule that finds exactly one candidate. A rule that finds several ends the search
 * with no match: guessing would hand one person's account to another, so the person goes to the review list
 * instead, and so do people who would claim the same account in one run (all of them, whatever their order).
 */
import { z } from 'zod';
import {
  comparableText,
  currentValue,
  expressionSchema,
  mappingTargetSchema,
  MOBILE_WITH_STATE_CODE,
  type MappingTarget,
} from './field-mapping.ts';
import type { AccountFieldValues } from './local-directory-view.ts';
import { evaluateExpression, parseExpression, printExpression, type Expression } from './mapping-expression.ts';

export interface MatchingRule {
  /** Shown in review items and link operations: a preset's name or the administrator's. */
  name: string;
  source: Expression;
  field: MappingTarget;
}

/** Ready-made rules by name. `email` and `org_email` are separate because a person may have either locally. */
export const MATCHING_PRESETS = {
  mobile: { source: MOBILE_WITH_STATE_CODE, field: 'mobile' },
  email: { source: 'email', field: 'email' },
  org_email: { source: 'org_email', field: 'email' },
  job_number: { source: 'job_number', field: 'jobNumber' },
  username: { source: 'userid', field: 'username' },
} as const satisfies Record<string, { source: string; field: MappingTarget }>;
export type MatchingPreset = keyof typeof MATCHING_PRESETS;

const presetNames = Object.keys(MATCHING_PRESETS) as [MatchingPreset, ...MatchingPreset[]];

/**
 * A rule as stored: a preset's name, or `{ source, field, name? }`.
 *
 * @example
 * matchingRulesSchema.parse(['mobile', { source: 'extension.工号', field: 'jobNumber' }]);
 */
export const matchingRuleSchema = z.union([
  z.enum(presetNames).transform((name): MatchingRule => presetRule(name)),
  z
    .object({ name: z.string().min(1).optional(), source: expressionSchema, field: mappingTargetSchema })
    .transform((rule): MatchingRule => ({
      name: rule.name ?? `${printExpression(rule.source)} = ${rule.field}`,
      source: rule.source,
      field: rule.field as MappingTarget,
    })),
]);

/**
 * The ordered rules of a binding. None by default: linking hands an existing account (and what it may reach) to a
 * DingTalk person, so an administrator chooses the rules that are trustworthy in their directory.
 */
export const matchingRulesSchema = z.array(matchingRuleSchema).default([]);

/**
 * A preset as a rule.
 *
 * @example
 * presetRule('mobile').field; // 'mobile'
 */
export function presetRule(name: MatchingPreset): MatchingRule {
  const preset = MATCHING_PRESETS[name];
  const parsed = parseExpression(preset.source);
  if (!parsed.ok) throw new Error(`preset ${name} does not parse: ${parsed.error.message}`); // a bug in this file
  return { name, source: parsed.expression, field: preset.field };
}

export interface MatchSubject {
  userid: string;
  record: Readonly<Record<string, unknown>>;
}

export interface MatchCandidate {
  id: string;
  fields: AccountFieldValues;
}

export type MatchOutcome =
  | { userid: string; outcome: 'matched'; accountId: string; rule: string }
  | { userid: string; outcome: 'none' }
  /** The rule found several accounts: no match, review. */
  | { userid: string; outcome: 'ambiguous'; rule: string; candidateIds: string[] }
  /** The account this person matched was matched by others in the same run too: no match for any of them, review. */
  | { userid: string; outcome: 'contested'; rule: string; accountId: string; rivals: string[] };

/**
 * Matches each subject to at most one candidate; outcomes come in the subjects' order.
 *
 * @example
 * matchAccounts([{ userid: 'u1', record }], unlinkedAccounts, [presetRule('mobile'), presetRule('email')]);
 * // [{ userid: 'u1', outcome: 'matched', accountId: 'a7', rule: 'mobile' }]
 */
export function matchAccounts(
  subjects: readonly MatchSubject[],
  candidates: readonly MatchCandidate[],
  rules: readonly MatchingRule[],
): MatchOutcome[] {
  const indexes = new Map<MappingTarget, Map<string, string[]>>();
  const indexOf = (field: MappingTarget): Map<string, string[]> => {
    let index = indexes.get(field);
    if (index === undefined) {
      index = new Map();
      for (const candidate of candidates) {
        const key = comparableText(field, currentValue(candidate.fields, field));
        if (key === null) continue;
        const ids = index.get(key);
        if (ids === undefined) index.set(key, [candidate.id]);
        else ids.push(candidate.id);
      }
      indexes.set(field, index);
    }
    return index;
  };

  const outcomes = subjects.map((subject): MatchOutcome => {
    for (const rule of rules) {
      const key = comparableText(rule.field, evaluateExpression(rule.source, subject.record));
      if (key === null) continue;
      const ids = indexOf(rule.field).get(key) ?? [];
      if (ids.length === 1 && ids[0] !== undefined) {
        return { userid: subject.userid, outcome: 'matched', accountId: ids[0], rule: rule.name };
      }
      if (ids.length > 1) return { userid: subject.userid, outcome: 'ambiguous', rule: rule.name, candidateIds: [...ids].sort() };
    }
    return { userid: subject.userid, outcome: 'none' };
  });

  const claimants = new Map<string, string[]>();
  for (const outcome of outcomes) {
    if (outcome.outcome !== 'matched') continue;
    claimants.set(outcome.accountId, [...(claimants.get(outcome.accountId) ?? []), outcome.userid]);
  }
  return outcomes.map((outcome) => {
    if (outcome.outcome !== 'matched') return outcome;
    const rivals = (claimants.get(outcome.accountId) ?? []).filter((userid) => userid !== outcome.userid);
    if (rivals.length === 0) return outcome;
    return { userid: outcome.userid, outcome: 'contested', rule: outcome.rule, accountId: outcome.accountId, rivals: rivals.sort() };
  });
}
