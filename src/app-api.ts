/**
 * What Dingbridge offers an administrator, as one interface with two implementations: the services themselves
 * (built by `src/app.ts` over the database) and the admin API client (`src/cli/`), which reaches a running
 * server over HTTP. The CLI takes either, so every command works with or without a server.
 */
import type { AppsService } from './auth/apps-contract.ts';
import type { BindingsService } from './bindings/binding-contract.ts';
import type { AccountsService, DirectoryService, UnitsService } from './directory/directory-contract.ts';
import type { OutboundService } from './outbound/outbound-contract.ts';
import type { RunsService } from './sync/sync-run-contract.ts';

export interface DingbridgeApi {
  bindings: BindingsService;
  runs: RunsService;
  directory: DirectoryService;
  /** Units managed by hand (issue 7): add, update, move, remove; pushed to DingTalk where outbound is on. */
  units: UnitsService;
  /** Accounts managed by hand (issue 7). */
  accounts: AccountsService;
  /** Applications of the OIDC provider (issue 6). */
  apps: AppsService;
  /** Outbound provisioning (issue 7): delivery log, retry, execute addition. */
  outbound: OutboundService;
}
