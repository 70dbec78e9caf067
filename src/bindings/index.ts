/**
 * The bindings area's only face: DingTalk organizations bound to target units (credentials sealed at rest,
 * verified against DingTalk), `bindings check`, each binding's shared DingTalk client, and its event, schedule and
 * sign-in settings (`eventContext`, `eventBindings`, `schedules`).
 *
 * @example
 * import { createBindings } from '../bindings/index.ts';
 * const bindings = createBindings({ db, secretBox, publicUrl: config.publicUrl, createTargetUnit, onChange: (id) => scheduler.syncOne(id) });
 * const { client } = await bindings.syncContext(bindingId);
 * const receiver = await bindings.eventContextByCorp(corpId); // callback token and AES key opened, for §7.3
 */
export { createBindings, type Bindings, type BindingsDeps, type BindingSyncContext } from './bindings-service.ts';
export { DEFAULT_DELETION_THRESHOLDS } from './binding-settings.ts';
export { checkBinding, type CheckReportFor, type CheckTarget } from './binding-check.ts';
export * from './binding-contract.ts';
