/**
 * Everything one running emulator holds, built once by `createEmulator` and handed to the route modules
 * (no module singletons: two emulators in one process never share state).
 */
import type { Clock } from '../core/index.ts';
import type { AppRegistry } from './app-registry.ts';
import type { CallCounter } from './call-counter.ts';
import type { EventHub } from './event-hub.ts';
import type { FaultInjector } from './fault-injector.ts';
import type { LoginState } from './login-state.ts';
import type { OrgStore } from './org-store.ts';
import type { RateWindow } from './rate-window.ts';
import type { TokenIssuer } from './token-issuer.ts';

export interface EmulatorSettings {
  seed: string;
  users: number;
  depts: number;
}

export interface EmulatorContext {
  readonly clock: Clock;
  readonly corpId: string;
  readonly org: OrgStore;
  readonly apps: AppRegistry;
  readonly tokens: TokenIssuer;
  readonly rates: RateWindow;
  readonly calls: CallCounter;
  readonly faults: FaultInjector;
  /** Address-book events and their delivery (§7–§9). */
  readonly events: EventHub;
  /** Login codes, user tokens and redirect URLs (§10). */
  readonly login: LoginState;
  /** What the current organization was generated from; a reset changes it. */
  settings: EmulatorSettings;
}
