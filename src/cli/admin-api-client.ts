/**
 * The admin REST API (`/api/v1`) as a {@link DingbridgeApi}: what the CLI uses when a server holds the database.
 * Responses are parsed with the same contract schemas the server answers with; an error body becomes the AppError
 * the server threw (same code, status, message and details), so a command behaves the same in both modes.
 */
import { z } from 'zod';
import type { DingbridgeApi } from '../app-api.ts';
import {
  bindingCheckReportSchema,
  credentialTestReportSchema,
  mappingPreviewSchema,
  bindingRemovalSchema,
  bindingViewSchema,
} from '../bindings/binding-contract.ts';
import { appCreatedSchema, appRemovalSchema, appViewSchema } from '../auth/apps-contract.ts';
import { AppError } from '../core/index.ts';
import {
  accountEditabilitySchema,
  accountHistoryPageSchema,
  accountPageSchema,
  accountViewSchema,
  directoryExportSchema,
  removalSchema,
  unitEditabilitySchema,
  unitViewSchema,
  type AccountHistoryQuery,
  type AccountListQuery,
} from '../directory/directory-contract.ts';
import {
  executeAdditionResultSchema,
  outboundLogSchema,
  outboundRetrySchema,
  type OutboundLogQuery,
} from '../outbound/outbound-contract.ts';
import { runOpViewSchema, runViewSchema, type RunListQuery, type RunOpsQuery } from '../sync/sync-run-contract.ts';

export interface AdminApiClientOptions {
  /** The server's root URL, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  baseUrl: string;
  /** An admin token (`DATA_DIR/admin-token` of the server). */
  token: string;
  fetch?: typeof fetch;
  /** Per request; `bindings check` talks to DingTalk, so this is generous. Default 120 s. */
  timeoutMs?: number;
}

const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Query = Record<string, string | number | boolean | undefined>;

/**
 * A DingbridgeApi over HTTP.
 *
 * @example
 * const api = createAdminApiClient({ baseUrl: 'http://127.0.0.1:8080', token });
 * const bindings = await api.bindings.list();
 */
export function createAdminApiClient(options: AdminApiClientOptions): DingbridgeApi {
  const fetchImpl = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 120_000;

  async function call<T>(method: Method, path: string, schema: z.ZodType<T>, init: { query?: Query; body?: unknown } = {}): Promise<T> {
    const url = new URL(`${base}/api/v1${path}`);
    for (const [key, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw unreachable(base, error);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw badResponse(method, url, response.status, `a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      const parsed = errorBodySchema.safeParse(body);
      if (!parsed.success) throw badResponse(method, url, response.status, `an error without the {error} body: ${text.slice(0, 200)}`);
      const { code, message, details } = parsed.data.error;
      // The server already chose what to show, so the message is exposed as it came.
      throw new AppError(code, message, { status: response.status, expose: true, details: details ?? {} });
    }
    const result = schema.safeParse(body);
    if (!result.success) {
      throw badResponse(method, url, response.status, 'a body that does not match the API contract', { issues: result.error.issues });
    }
    return result.data;
  }

  const id = (value: string): string => encodeURIComponent(value);
  const verifyQuery = (verify: boolean | undefined): Query => (verify === false ? { verify: false } : {});
  const items = <T>(schema: z.ZodType<T>) => z.object({ items: z.array(schema) }).transform((body) => body.items);

  return {
    bindings: {
      add: (input, opts) => call('POST', '/bindings', bindingViewSchema, { body: input, query: verifyQuery(opts?.verify) }),
      list: () => call('GET', '/bindings', items(bindingViewSchema)),
      show: (bindingId) => call('GET', `/bindings/${id(bindingId)}`, bindingViewSchema),
      update: (bindingId, patch, opts) =>
        call('PATCH', `/bindings/${id(bindingId)}`, bindingViewSchema, { body: patch, query: verifyQuery(opts?.verify) }),
      remove: (bindingId) => call('DELETE', `/bindings/${id(bindingId)}`, bindingRemovalSchema),
      check: (bindingId) => call('POST', `/bindings/${id(bindingId)}/check`, bindingCheckReportSchema),
      test: (input) => call('POST', '/bindings/test', credentialTestReportSchema, { body: input }),
      previewMapping: (bindingId, input) => call('POST', `/bindings/${id(bindingId)}/preview-mapping`, mappingPreviewSchema, { body: input }),
    },
    runs: {
      start: (bindingId, opts) =>
        call('POST', `/bindings/${id(bindingId)}/sync`, runViewSchema, { body: opts?.dryRun === undefined ? {} : { dryRun: opts.dryRun } }),
      list: (query: RunListQuery = {}) =>
        call('GET', '/runs', items(runViewSchema), { query: { bindingId: query.bindingId, status: query.status, limit: numberOrUndefined(query.limit) } }),
      show: (runId) => call('GET', `/runs/${id(runId)}`, runViewSchema),
      ops: (runId, query: RunOpsQuery = {}) =>
        call('GET', `/runs/${id(runId)}/ops`, items(runOpViewSchema), { query: { status: query.status, offset: numberOrUndefined(query.offset), limit: numberOrUndefined(query.limit) } }),
      approve: (runId) => call('POST', `/runs/${id(runId)}/approve`, runViewSchema),
      reject: (runId) => call('POST', `/runs/${id(runId)}/reject`, runViewSchema),
    },
    directory: {
      export: () => call('GET', '/directory', directoryExportSchema),
    },
    units: {
      list: (query = {}) => call('GET', '/units', items(unitViewSchema), { query: { parentId: query.parentId } }),
      show: (unitId) => call('GET', `/units/${id(unitId)}`, unitViewSchema),
      add: (input) => call('POST', '/units', unitViewSchema, { body: input }),
      update: (unitId, patch) => call('PATCH', `/units/${id(unitId)}`, unitViewSchema, { body: patch }),
      move: (unitId, input) => call('POST', `/units/${id(unitId)}/move`, unitViewSchema, { body: input }),
      remove: (unitId) => call('DELETE', `/units/${id(unitId)}`, removalSchema),
      editable: (unitId) => call('GET', `/units/${id(unitId)}/editable`, unitEditabilitySchema),
    },
    accounts: {
      list: (query: AccountListQuery = {}) =>
        call('GET', '/accounts', accountPageSchema, {
          query: { q: query.q, unitId: query.unitId, offset: numberOrUndefined(query.offset), limit: numberOrUndefined(query.limit) },
        }),
      show: (accountId) => call('GET', `/accounts/${id(accountId)}`, accountViewSchema),
      add: (input) => call('POST', '/accounts', accountViewSchema, { body: input }),
      update: (accountId, patch) => call('PATCH', `/accounts/${id(accountId)}`, accountViewSchema, { body: patch }),
      disable: (accountId) => call('POST', `/accounts/${id(accountId)}/disable`, accountViewSchema),
      enable: (accountId) => call('POST', `/accounts/${id(accountId)}/enable`, accountViewSchema),
      remove: (accountId) => call('DELETE', `/accounts/${id(accountId)}`, removalSchema),
      editable: (accountId) => call('GET', `/accounts/${id(accountId)}/editable`, accountEditabilitySchema),
      history: (accountId, query: AccountHistoryQuery = {}) =>
        call('GET', `/accounts/${id(accountId)}/history`, accountHistoryPageSchema, {
          query: { offset: numberOrUndefined(query.offset), limit: numberOrUndefined(query.limit) },
        }),
    },
    apps: {
      add: (input) => call('POST', '/apps', appCreatedSchema, { body: input }),
      list: () => call('GET', '/apps', items(appViewSchema)),
      show: (appId) => call('GET', `/apps/${id(appId)}`, appViewSchema),
      update: (appId, patch) => call('PATCH', `/apps/${id(appId)}`, appViewSchema, { body: patch }),
      remove: (appId) => call('DELETE', `/apps/${id(appId)}`, appRemovalSchema),
    },
    outbound: {
      log: (bindingId, query: OutboundLogQuery = {}) =>
        call('GET', `/bindings/${id(bindingId)}/outbound/log`, outboundLogSchema, { query: { status: query.status, limit: numberOrUndefined(query.limit) } }),
      retry: (bindingId) => call('POST', `/bindings/${id(bindingId)}/outbound/retry`, outboundRetrySchema),
      executeAddition: (bindingId, input = {}) =>
        call('POST', `/bindings/${id(bindingId)}/outbound/execute-addition`, executeAdditionResultSchema, { body: { dryRun: input.dryRun ?? false } }),
    },
  };
}

/** The query types are zod inputs (`z.coerce`), so their numbers are typed `unknown`. */
function numberOrUndefined(value: unknown): number | undefined {
  return value === undefined ? undefined : Number(value);
}

function unreachable(base: string, error: unknown): AppError {
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  const timedOut = error instanceof Error && error.name === 'TimeoutError';
  return new AppError(
    'server.unreachable',
    `${timedOut ? 'No answer from' : 'Could not reach'} the Dingbridge server at ${base} (${cause}). Is \`dingbridge serve\` ` +
      'running there? Check --server / DINGBRIDGE_SERVER, or leave them unset to work on the local DATA_DIR directly.',
    { status: 503, expose: true, details: { url: base, cause }, cause: error },
  );
}

function badResponse(method: string, url: URL, status: number, what: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(
    'server.bad_response',
    `The server answered ${method} ${url.pathname} with ${status} and ${what}. Is ${url.origin} a Dingbridge server of the same version?`,
    { status: 502, expose: true, details: { status, ...details } },
  );
}
