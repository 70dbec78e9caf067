/**
 * What a plan needs to know of a binding (DESIGN.md "Identity model"): its anchor, target unit, scope, mapping,
 * matching rules and leaver policy. The bindings area stores these as jsonb; the schemas here parse them.
 */
import { z } from 'zod';
import type { MatchingRule } from './account-matching.ts';
import type { FieldMapping } from './field-mapping.ts';

/** The DingTalk root department (§3: "Root department id is 1"); it maps to the binding's target unit. */
export const ROOT_DEPT_ID = 1;

/**
 * Which departments a binding syncs: the whole organization, or chosen departments, each with or without its
 * subtree. A chosen department's unit goes under the unit of its nearest synced ancestor, or under the target unit.
 *
 * @example
 * syncScopeSchema.parse({ kind: 'departments', departments: [{ deptId: 42 }, { deptId: 7, subtree: false }] });
 */
export const syncScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({
    kind: z.literal('departments'),
    departments: z
      .array(z.object({ deptId: z.number().int().positive(), subtree: z.boolean().default(true) }))
      .min(1, 'choose at least one department'),
  }),
]);
export type SyncScope = z.output<typeof syncScopeSchema>;

/**
 * Leavers (absent from a complete snapshot) are disabled first; `deleteAfterDays` later (counted from the
 * account's `disabledAt`) they are deleted, or never when it is null. A re-hire is re-enabled.
 *
 * @example
 * leaverPolicySchema.parse({ deleteAfterDays: 30 });
 */
export const leaverPolicySchema = z.object({
  deleteAfterDays: z.number().int().min(0).nullable().default(null),
});
export type LeaverPolicy = z.output<typeof leaverPolicySchema>;

export interface SyncBinding {
  id: string;
  corpId: string;
  targetUnitId: string;
  scope: SyncScope;
  mapping: FieldMapping;
  matching: MatchingRule[];
  leaverPolicy: LeaverPolicy;
}

/**
 * The departments to crawl for a scope (the crawl walks each one's subtree; one inside another is crawled once).
 *
 * @example
 * crawlRootsOf({ kind: 'all' }); // [1]
 */
export function crawlRootsOf(scope: SyncScope): number[] {
  return scope.kind === 'all' ? [ROOT_DEPT_ID] : [...new Set(scope.departments.map((d) => d.deptId))];
}
