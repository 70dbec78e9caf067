/**
 * Which bindings' outbound scope covers a local unit or account: the unit's ancestry read in one recursive query,
 * matched against each binding's target unit and chosen units.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';

/** A binding's outbound settings as the outbox needs them (engineer A's bindings service provides them). */
export interface OutboundBinding {
  bindingId: string;
  targetUnitId: string;
  agentId: string | null;
  units: { kind: 'all' } | { kind: 'units'; units: { unitId: string; subtree: boolean }[] };
}

/** What the outbox needs of bindings (A implements it on the bindings service). */
export interface OutboundScopeSource {
  /**
   * The bindings with outbound on. `executor`, when given, is the transaction the caller is in: on PGlite only it
   * can query while it is open (another connection would wait for it forever), so read through it when you read
   * the database at all.
   */
  outboundBindings(executor?: Kysely<Database> | Transaction<Database>): Promise<OutboundBinding[]>;
}

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * The unit and its ancestors, the unit first and the root last; empty when the unit does not exist.
 *
 * @example
 * const chain = await unitChain(db, unitId); // [unitId, parentId, …, rootId]
 */
export async function unitChain(executor: Executor, unitId: string): Promise<string[]> {
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
 * Where a unit (given by its chain, itself first) stands in a binding's outbound scope: `depth` below the target
 * unit (0 = the target itself, which is DingTalk's department 1; null = outside the target subtree), and whether
 * the binding's chosen units cover it.
 *
 * @example
 * const { depth, covered } = unitScope(binding, await unitChain(db, unitId));
 */
export function unitScope(binding: OutboundBinding, chain: readonly string[]): { depth: number | null; covered: boolean } {
  const index = chain.indexOf(binding.targetUnitId);
  if (index < 0) return { depth: null, covered: false };
  if (binding.units.kind === 'all') return { depth: index, covered: true };
  const own = chain[0];
  const above = new Set(chain.slice(0, index + 1));
  const covered = binding.units.units.some((entry) => entry.unitId === own || (entry.subtree && above.has(entry.unitId)));
  return { depth: index, covered };
}
