/**
 * The bindings area's only face: DingTalk organizations bound to target units (credentials sealed at rest,
 * verified against DingTalk), `bindings check`, and each binding's shared DingTalk client.
 *
 * @example
 * import { createBindings } from '../bindings/index.ts';
 * const bindings = createBindings({ db, secretBox, createTargetUnit });
 * const { client } = await bindings.syncContext(bindingId);
 */
export { createBindings, type Bindings, type BindingsDeps, type BindingSyncContext } from './bindings-service.ts';
export { DEFAULT_DELETION_THRESHOLDS } from './binding-settings.ts';
export { checkBinding, type CheckTarget } from './binding-check.ts';
export * from './binding-contract.ts';
