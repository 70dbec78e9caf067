/**
 * The DingTalk emulator: "DingTalk as far as any client can tell", on one local base URL, so that everything in
 * Dingbridge can be tried, tested and benchmarked without DingTalk. It serves the oapi family (`/gettoken`,
 * `/topapi/...`, `/auth/scopes`), the api family (`/v1.0/...`) and its own control API (`/_emulator/...`,
 * documented in README.md beside this file), and pushes address-book events by HTTP push or Stream mode (README
 * "Events"; options in event-settings.ts).
 *
 * @example
 * import { startEmulator } from './emulator/index.ts';
 * const emulator = await startEmulator({ users: 1000, seed: 'demo', qps: 20 });
 * // point the DingTalk client's oapi and api base URLs at emulator.url, log in with emulator.appKey/appSecret
 * await emulator.close();
 */
export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator-server.ts';
export { PERMISSIONS, type Permission } from './app-registry.ts';
export type { OrgChange } from './org-types.ts';
export type { EventMode, EventOptions } from './event-settings.ts';
