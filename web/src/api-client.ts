/**
 * The console's typed client of the admin API (`/api/v1`, bearer token). Request and response types are the
 * server's own contracts, imported type-only (erased from the bundle): a contract change that breaks the console
 * breaks `tsc -p web`. The routes it calls are listed in `api-routes.ts` and checked against `/openapi.json`.
 */
import type { ConsoleSessionCreated, ConsoleSessionView, ConsoleSignInOptions, ConsoleSignOut } from '../../src/auth/console-session-contract.ts';
import type { Activity, ActivityQuery, BindingHealth, Overview } from '../../src/activity/activity-contract.ts';
import type { AppCreated, AppCreateInput, AppUpdateInput, AppView } from '../../src/auth/apps-contract.ts';
import type {
  BindingCheckReport,
  BindingCreateInput,
  BindingUpdateInput,
  BindingView,
  CredentialTestInput,
  CredentialTestReport,
  MappingPreview,
  MappingPreviewInput,
} from '../../src/bindings/binding-contract.ts';
import type {
  AccountCreateRequest,
  AccountEditability,
  AccountHistoryPage,
  AccountHistoryQuery,
  AccountListQuery,
  AccountPage,
  AccountUpdateRequest,
  Removal,
  UnitCreateRequest,
  UnitEditability,
  UnitUpdateRequest,
  UnitView,
} from '../../src/directory/directory-contract.ts';
import type { ExecuteAdditionResult, OutboundLog, OutboundLogQuery } from '../../src/outbound/outbound-contract.ts';
import type { RunListQuery, RunOpsQuery, RunOpView, RunView } from '../../src/sync/sync-run-contract.ts';
import { API_ROUTES, type ApiRouteName } from './api-routes.ts';

export type { AccountPage, BindingCheckReport, BindingView, RunOpView, RunView, UnitView };
export type { ConsoleSessionCreated, ConsoleSessionView, ConsoleSignInOptions };
export type { Activity, AppCreated, AppView, BindingHealth, Overview };
export type { CredentialTestReport, MappingPreview };
export type { AccountEditability, AccountHistoryPage, ExecuteAdditionResult, OutboundLog, UnitEditability };
export type AccountHistoryEntry = AccountHistoryPage['items'][number];
export type OutboundLogEntry = OutboundLog['entries'][number];
export type AccountView = AccountPage['items'][number];

/** An error the API answered (`{error: {code, message}}`), or `network` when it could not be reached. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** The error's `details` (ids and names a page may show; for `*.invalid`: `issues`, each with the `field` it names), or empty. */
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, status: number, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export interface ApiClient {
  listBindings(): Promise<BindingView[]>;
  createBinding(input: BindingCreateInput): Promise<BindingView>;
  showBinding(id: string): Promise<BindingView>;
  checkBinding(id: string): Promise<BindingCheckReport>;
  syncBinding(id: string, options?: { dryRun?: boolean }): Promise<RunView>;
  listRuns(query?: QueryOf<RunListQuery>): Promise<RunView[]>;
  showRun(id: string): Promise<RunView>;
  runOps(id: string, query?: QueryOf<RunOpsQuery>): Promise<RunOpView[]>;
  approveRun(id: string): Promise<RunView>;
  rejectRun(id: string): Promise<RunView>;
  listUnits(): Promise<UnitView[]>;
  listAccounts(query?: QueryOf<AccountListQuery>): Promise<AccountPage>;
  /** Needs no token: the bindings offering DingTalk sign-in to the console. */
  consoleSignInOptions(): Promise<ConsoleSignInOptions>;
  /** Needs no token: the browser's DingTalk sign-in (its cookie) exchanged for an admin token. */
  createConsoleSession(): Promise<ConsoleSessionCreated>;
  showConsoleSession(): Promise<ConsoleSessionView>;
  endConsoleSession(): Promise<ConsoleSignOut>;
  overview(): Promise<Overview>;
  bindingHealth(id: string): Promise<BindingHealth>;
  activity(query?: ActivityQuery): Promise<Activity>;
  listApps(): Promise<AppView[]>;
  addApp(input: AppCreateInput): Promise<AppCreated>;
  showApp(id: string): Promise<AppView>;
  updateApp(id: string, patch: AppUpdateInput): Promise<AppView>;
  removeApp(id: string): Promise<void>;
  updateBinding(id: string, patch: BindingUpdateInput): Promise<BindingView>;
  testBinding(input: CredentialTestInput): Promise<CredentialTestReport>;
  previewMapping(id: string, input: MappingPreviewInput): Promise<MappingPreview>;
  showAccount(id: string): Promise<AccountView>;
  addAccount(input: AccountCreateRequest): Promise<AccountView>;
  updateAccount(id: string, patch: AccountUpdateRequest): Promise<AccountView>;
  disableAccount(id: string): Promise<AccountView>;
  enableAccount(id: string): Promise<AccountView>;
  removeAccount(id: string): Promise<Removal>;
  accountEditable(id: string): Promise<AccountEditability>;
  accountHistory(id: string, query?: QueryOf<AccountHistoryQuery>): Promise<AccountHistoryPage>;
  addUnit(input: UnitCreateRequest): Promise<UnitView>;
  updateUnit(id: string, patch: UnitUpdateRequest): Promise<UnitView>;
  moveUnit(id: string, parentId: string): Promise<UnitView>;
  removeUnit(id: string): Promise<Removal>;
  unitEditable(id: string): Promise<UnitEditability>;
  outboundLog(id: string, query?: QueryOf<OutboundLogQuery>): Promise<OutboundLog>;
  outboundRetry(id: string): Promise<{ requeued: number }>;
  outboundExecuteAddition(id: string, options: { dryRun: boolean }): Promise<ExecuteAdditionResult>;
}

type Query = Record<string, string | number | boolean | undefined>;
/** The contracts' query schemas coerce numbers (their input type is `unknown`); the console sends numbers. */
type QueryOf<T> = { [K in keyof T]?: unknown extends T[K] ? number : T[K] };

/**
 * A client that sends `token`; `onUnauthorized` runs when the server refuses it (revoked, or a restart with a
 * new database), so the console can go back to sign-in.
 *
 * @example
 * const api = createApiClient({ token, onUnauthorized: signOut });
 * const bindings = await api.listBindings();
 */
export function createApiClient(options: { token?: string; onUnauthorized?: () => void; fetch?: typeof fetch }): ApiClient {
  const send = async <T>(name: ApiRouteName, params: { id?: string; query?: Query; body?: unknown } = {}): Promise<T> => {
    const route = API_ROUTES[name];
    let url: string = route.path.replace(':id', encodeURIComponent(params.id ?? ''));
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params.query ?? {})) if (value !== undefined) search.set(key, String(value));
    if (search.size > 0) url += `?${search.toString()}`;
    const headers: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    if (params.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(url, {
        method: route.method,
        headers,
        body: params.body === undefined ? undefined : JSON.stringify(params.body),
      });
    } catch (error) {
      throw new ApiError('network', error instanceof Error ? error.message : String(error), 0);
    }
    const text = await response.text();
    const json: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      if (response.status === 401) options.onUnauthorized?.();
      throw new ApiError(error?.code ?? 'http', error?.message ?? `HTTP ${response.status}`, response.status, error?.details);
    }
    return json as T;
  };
  return {
    listBindings: async () => (await send<{ items: BindingView[] }>('listBindings')).items,
    createBinding: (input) => send('createBinding', { body: input }),
    showBinding: (id) => send('showBinding', { id }),
    checkBinding: (id) => send('checkBinding', { id }),
    syncBinding: (id, opts) => send('syncBinding', { id, body: { dryRun: opts?.dryRun ?? false } }),
    listRuns: async (query) => (await send<{ items: RunView[] }>('listRuns', { query: { ...query } })).items,
    showRun: (id) => send('showRun', { id }),
    runOps: async (id, query) => (await send<{ items: RunOpView[] }>('runOps', { id, query: { ...query } })).items,
    approveRun: (id) => send('approveRun', { id }),
    rejectRun: (id) => send('rejectRun', { id }),
    listUnits: async () => (await send<{ items: UnitView[] }>('listUnits')).items,
    listAccounts: (query) => send('listAccounts', { query: { ...query } }),
    consoleSignInOptions: () => send('consoleSignInOptions'),
    createConsoleSession: () => send('createConsoleSession', { body: {} }),
    showConsoleSession: () => send('showConsoleSession'),
    endConsoleSession: () => send('endConsoleSession'),
    overview: () => send('overview'),
    bindingHealth: (id) => send('bindingHealth', { id }),
    activity: (query) => send('activity', { query: { ...query } }),
    listApps: async () => (await send<{ items: AppView[] }>('listApps')).items,
    addApp: (input) => send('addApp', { body: input }),
    showApp: (id) => send('showApp', { id }),
    updateApp: (id, patch) => send('updateApp', { id, body: patch }),
    removeApp: async (id) => {
      await send('removeApp', { id });
    },
    updateBinding: (id, patch) => send('updateBinding', { id, body: patch }),
    testBinding: (input) => send('testBinding', { body: input }),
    previewMapping: (id, input) => send('previewMapping', { id, body: input }),
    showAccount: (id) => send('showAccount', { id }),
    addAccount: (input) => send('addAccount', { body: input }),
    updateAccount: (id, patch) => send('updateAccount', { id, body: patch }),
    disableAccount: (id) => send('disableAccount', { id }),
    enableAccount: (id) => send('enableAccount', { id }),
    removeAccount: (id) => send('removeAccount', { id }),
    accountEditable: (id) => send('accountEditable', { id }),
    accountHistory: (id, query) => send('accountHistory', { id, query: { ...query } }),
    addUnit: (input) => send('addUnit', { body: input }),
    updateUnit: (id, patch) => send('updateUnit', { id, body: patch }),
    moveUnit: (id, parentId) => send('moveUnit', { id, body: { parentId } }),
    removeUnit: (id) => send('removeUnit', { id }),
    unitEditable: (id) => send('unitEditable', { id }),
    outboundLog: (id, query) => send('outboundLog', { id, query: { ...query } }),
    outboundRetry: (id) => send('outboundRetry', { id }),
    outboundExecuteAddition: (id, options) => send('outboundExecuteAddition', { id, body: options }),
  };
}

/** The fields of the provider's discovery document the console shows. */
export interface OpenIdConfiguration {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
}

/** Where applications discover the provider: a public document, served by this same server. */
export const DISCOVERY_PATH = '/oidc/.well-known/openid-configuration';

/**
 * The OpenID Connect discovery document, read as an application would (no token): its `issuer` is the one to
 * configure, and the read proves the provider answers.
 *
 * @example
 * const { issuer } = await fetchOpenIdConfiguration();
 */
export async function fetchOpenIdConfiguration(fetcher: typeof fetch = fetch): Promise<OpenIdConfiguration> {
  let response: Response;
  try {
    response = await fetcher(DISCOVERY_PATH, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new ApiError('network', error instanceof Error ? error.message : String(error), 0);
  }
  if (!response.ok) throw new ApiError('http', `${DISCOVERY_PATH} answered HTTP ${response.status}`, response.status);
  return (await response.json()) as OpenIdConfiguration;
}
