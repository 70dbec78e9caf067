/**
 * Outbound provisioning (issue 7), the area's only face: local units and accounts inside a binding's outbound
 * scope are recorded in an outbox in the transaction that changes them, and delivered to DingTalk by
 * `outbound-push` jobs (state-based, in dependency order, linked in `external_identities` as the inbound sync would).
 *
 * @example
 * import { createOutbox } from '../outbound/index.ts';
 * const outbox = createOutbox({ db, jobs, bindings });
 * await db.transaction().execute(async (trx) => {
 *   await trx.insertInto('units').values(unit).execute();
 *   await outbox.record(trx, [{ kind: 'unit.upsert', unitId: unit.id }]);
 * });
 */
export { createOutbox, type Outbox, type OutboxDeps } from './outbox.ts';
export type { OutboxChange, OutboundPushJob } from './outbox-record.ts';
export type { OutboundBinding, OutboundScopeSource } from './outbound-scope.ts';
export { createOutbound, type Outbound, type OutboundDeps } from './outbound-service.ts';
export { dingTalkUserId, type MobileConflictPolicy } from './outbound-delivery.ts';
export { dingTalkMobile } from './outbound-mapping.ts';
export { usersInDelivery } from './outbound-in-flight.ts';
export * from './outbound-contract.ts';
