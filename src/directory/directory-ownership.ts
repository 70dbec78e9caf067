/**
 * Who owns what in a hand-managed directory (issue 7). A unit or account linked to DingTalk and inside a binding's
 * target subtree is DingTalk's for the fields that binding's mapping marks `dingtalk` (units: name, order, parent,
 * existence; accounts: the mapped fields, memberships in the subtree, existence): the next inbound sync would
 * overwrite an edit made here. Such an edit is allowed only when the binding pushes it back (outbound on, the object
 * in its outbound scope), so both sides stay equal.
 */
import { sql, type Kysely } from 'kysely';
import { AppError } from '../core/index.ts';
import type { Database } from '../db/index.ts';

/** A binding with outbound provisioning on, as the bindings area reports it (`Bindings.outboundBindings`). */
export interface OutboundScopeBinding {
  bindingId: string;
  targetUnitId: string;
  agentId: string | null;
  units: { kind: 'all' } | { kind: 'units'; units: { unitId: string; subtree: boolean }[] };
}

/** What the directory needs of bindings: their outbound settings, read through the caller's transaction. */
export interface OutboundSettingsSource {
  outboundBindings(executor?: Kysely<Database>): Promise<OutboundScopeBinding[]>;
}

/** A binding that owns an object: it is linked there and lies inside its target subtree. */
export interface Owner {
  bindingId: string;
  bindingName: string;
  targetUnitId: string;
  /** Mapping targets marked `dingtalk` (`displayName`, `email`, …). */
  dingtalkFields: Set<string>;
}

/**
 * The unit and its ancestors, itself first, root last (empty when it does not exist).
 *
 * @example
 * const chain = await unitChain(trx, unitId); // [unitId, parentId, …]
 */
export async function unitChain(executor: Kysely<Database>, unitId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    with recursive chain(id, parent_id, depth) as (
      select id, parent_id, 0 from units where id = ${unitId}
      union all
      select u.id, u.parent_id, chain.depth + 1 from units u join chain on u.id = chain.parent_id where chain.depth < 1000
    )
    select id from chain order by depth`.execute(executor);
  return rows.map((row) => row.id);
}

/**
 * Whether a binding's outbound units cover a unit given by its chain (itself first): all of the target subtree,
 * or a chosen unit itself, or a unit under a chosen one with `subtree`. The same rule as the outbox's.
 *
 * @example
 * coversUnit(binding, await unitChain(trx, unitId));
 */
export function coversUnit(binding: OutboundScopeBinding, chain: readonly string[]): boolean {
  const index = chain.indexOf(binding.targetUnitId);
  if (index < 0) return false;
  if (binding.units.kind === 'all') return true;
  const above = new Set(chain.slice(0, index + 1));
  return binding.units.units.some((entry) => entry.unitId === chain[0] || (entry.subtree && above.has(entry.unitId)));
}

/**
 * The bindings that own an object: linked to it (`kind`, `localId`) and holding it inside their target subtree.
 * `chains` are the chains of the object's units (the unit itself, or an account's member units).
 */
export async function ownersOf(
  executor: Kysely<Database>,
  kind: 'dingtalk_dept' | 'dingtalk_user',
  localId: string,
  chains: readonly (readonly string[])[],
): Promise<Owner[]> {
  const links = await executor
    .selectFrom('external_identities as ei')
    .innerJoin('bindings as b', 'b.id', 'ei.binding_id')
    .select(['b.id', 'b.name', 'b.target_unit_id', 'b.mapping'])
    .where('ei.kind', '=', kind)
    .where('ei.local_id', '=', localId)
    .execute();
  return links
    .filter((link) => chains.some((chain) => chain.includes(link.target_unit_id)))
    .map((link) => ({
      bindingId: link.id,
      bindingName: link.name,
      targetUnitId: link.target_unit_id,
      dingtalkFields: dingtalkFieldsOf(link.mapping),
    }));
}

/** Targets of a stored (printed) mapping whose mode is `dingtalk`. */
function dingtalkFieldsOf(mapping: unknown): Set<string> {
  const fields = new Set<string>();
  if (typeof mapping !== 'object' || mapping === null) return fields;
  for (const [target, rule] of Object.entries(mapping)) {
    if (typeof rule === 'object' && rule !== null && (rule as { mode?: unknown }).mode === 'dingtalk') fields.add(target);
  }
  return fields;
}

/**
 * Why a field of an object `owner` owns cannot change here, and what to do (the editable views' `reason`).
 *
 * @example
 * ownedReason('account', owner); // 'Synced from DingTalk through binding "Acme" (…): change it in DingTalk, or …'
 */
export function ownedReason(kind: 'unit' | 'account', owner: Owner): string {
  return (
    `Synced from DingTalk through binding "${owner.bindingName}" (${owner.bindingId}), whose next sync would undo a change made here. ` +
    `Change it in DingTalk, or turn on outbound provisioning for that binding with this ${kind} in its scope.`
  );
}

/**
 * `unit.field_owned_by_dingtalk` / `account.field_owned_by_dingtalk` (409), naming the field and the binding.
 *
 * @example
 * throw ownedByDingTalk('account', account.id, 'displayName', owner);
 */
export function ownedByDingTalk(kind: 'unit' | 'account', id: string, field: string, owner: Owner): AppError {
  const what = field === '(removal)' ? `This ${kind} cannot be removed here` : `The ${field} of this ${kind} cannot be changed here`;
  return new AppError(
    `${kind}.field_owned_by_dingtalk`,
    `${what}: ${kind} ${id} comes from DingTalk through binding "${owner.bindingName}" (${owner.bindingId}), whose next sync ` +
      `would undo it. Change it in DingTalk, or turn on outbound provisioning for that binding with this ${kind} in its scope ` +
      `(\`dingbridge bindings update ${owner.bindingId} --outbound on\`) so the change is pushed to DingTalk.`,
    { status: 409, details: { kind, id, field, bindingId: owner.bindingId, bindingName: owner.bindingName } },
  );
}
