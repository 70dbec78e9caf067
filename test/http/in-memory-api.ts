/**
 * A hand-written DingbridgeApi over plain maps, for the HTTP server's tests: real-shaped answers (the contract
 * types, uuids, ISO timestamps, every op kind in counts) and the services' AppErrors, without a database.
 */
import { randomUUID } from 'node:crypto';
import type { DingbridgeApi } from '../../src/app-api.ts';
import {
  bindingCreateSchema,
  bindingUpdateSchema,
  type BindingCheckReport,
  type BindingView,
  type EventSettingsInput,
  type OutboundSettingsInput,
  type Schedule,
} from '../../src/bindings/binding-contract.ts';
import { AppError } from '../../src/core/index.ts';
import { unsupportedAccounts, unsupportedApps, unsupportedUnits } from '../support/unsupported-services.ts';
import type { DirectoryExport } from '../../src/directory/directory-contract.ts';
import { PLAN_OP_KINDS } from '../../src/sync/index.ts';
import type { RunOpView, RunView } from '../../src/sync/sync-run-contract.ts';
import type { OutboundLogEntry } from '../../src/outbound/outbound-contract.ts';

export interface InMemoryApi extends DingbridgeApi {
  /** The last options each method received, so tests see what the routes passed on. */
  calls: { method: string; args: unknown[] }[];
  bindingsById: Map<string, BindingView>;
  runsById: Map<string, RunView>;
  opsByRun: Map<string, RunOpView[]>;
  /** When set, every call throws it (for error mapping tests). */
  failWith: Error | undefined;
}

const NOW = '2026-11-24T10:00:00.000Z';

export function createInMemoryApi(): InMemoryApi {
  const bindingsById = new Map<string, BindingView>();
  const runsById = new Map<string, RunView>();
  const opsByRun = new Map<string, RunOpView[]>();
  const calls: InMemoryApi['calls'] = [];
  const state = { failWith: undefined as Error | undefined };

  const record = (method: string, ...args: unknown[]): void => {
    calls.push({ method, args });
    if (state.failWith) throw state.failWith;
  };
  const binding = (id: string): BindingView => {
    const found = bindingsById.get(id);
    if (!found) throw new AppError('binding.not_found', `No binding with id ${id}.`, { status: 404, details: { id } });
    return found;
  };
  const run = (id: string): RunView => {
    const found = runsById.get(id);
    if (!found) throw new AppError('run.not_found', `No run with id ${id}.`, { status: 404, details: { id } });
    return found;
  };

  const api: InMemoryApi = {
    calls,
    bindingsById,
    runsById,
    opsByRun,
    get failWith() {
      return state.failWith;
    },
    set failWith(error) {
      state.failWith = error;
    },
    bindings: {
      add: async (input, options) => {
        record('bindings.add', input, options);
        const parsed = bindingCreateSchema.parse(input);
        if ([...bindingsById.values()].some((b) => b.corpId === parsed.corpId)) {
          throw new AppError('binding.corp_id_taken', `CorpId ${parsed.corpId} is bound already.`, { status: 409 });
        }
        const view = bindingView({
          name: parsed.name,
          corpId: parsed.corpId,
          appKey: parsed.appKey,
          ...channelFields(parsed, parsed.corpId),
        });
        bindingsById.set(view.id, view);
        return Promise.resolve(view);
      },
      list: async () => {
        record('bindings.list');
        return Promise.resolve([...bindingsById.values()]);
      },
      show: async (id) => {
        record('bindings.show', id);
        return Promise.resolve(binding(id));
      },
      update: async (id, patch, options) => {
        record('bindings.update', id, patch, options);
        const parsed = bindingUpdateSchema.parse(patch);
        const current = binding(id);
        const updated = { ...current, ...(parsed.name ? { name: parsed.name } : {}), ...channelFields(parsed, current.corpId, current), updatedAt: NOW };
        bindingsById.set(id, updated);
        return Promise.resolve(updated);
      },
      remove: async (id) => {
        record('bindings.remove', id);
        binding(id);
        bindingsById.delete(id);
        return Promise.resolve({ id, unlinkedAccounts: 12, unlinkedUnits: 3 });
      },
      check: async (id) => {
        record('bindings.check', id);
        binding(id);
        const report: BindingCheckReport = {
          bindingId: id,
          ok: false,
          items: [
            { key: 'credentials', status: 'ok', message: 'AppKey and AppSecret are accepted.', api: 'gettoken' },
            {
              key: 'permission:qyapi_get_member',
              status: 'missing',
              message: 'The app may not read member details.',
              hint: 'Enable qyapi_get_member in the developer console.',
              api: 'topapi/v2/user/get',
            },
            { key: 'scope', status: 'skipped', message: 'Not checked.' },
          ],
          scope: { departments: [1], users: [], wholeOrganization: true },
          checkedAt: NOW,
        };
        return Promise.resolve(report);
      },
      test: async (input) => {
        record('bindings.test', { ...input, appSecret: '[not kept]' });
        return Promise.resolve({
          bindingId: null,
          ok: true,
          items: [{ key: 'credentials', status: 'ok', message: 'AppKey and AppSecret are accepted.', api: 'gettoken' }],
          scope: { departments: [1], users: [], wholeOrganization: true },
          checkedAt: NOW,
        });
      },
      previewMapping: async (id, input) => {
        record('bindings.previewMapping', id, input);
        binding(id);
        return Promise.resolve({
          bindingId: id,
          departments: [1],
          people: [{ userid: 'u1', dingtalk: { userid: 'u1', name: '张三' }, mapped: { username: 'u1', displayName: '张三' }, outcome: { kind: 'create' } }],
          fetchedAt: NOW,
        });
      },
    },
    runs: {
      start: async (bindingId, options) => {
        record('runs.start', bindingId, options);
        binding(bindingId);
        const view = runView(bindingId, { dryRun: options?.dryRun ?? false, status: 'queued' });
        runsById.set(view.id, view);
        return Promise.resolve(view);
      },
      list: async (query) => {
        record('runs.list', query);
        return Promise.resolve(
          [...runsById.values()].filter(
            (r) => (!query?.bindingId || r.bindingId === query.bindingId) && (!query?.status || r.status === query.status),
          ),
        );
      },
      show: async (id) => {
        record('runs.show', id);
        return Promise.resolve(run(id));
      },
      ops: async (id, query) => {
        record('runs.ops', id, query);
        run(id);
        return Promise.resolve(opsByRun.get(id) ?? []);
      },
      approve: async (id) => {
        record('runs.approve', id);
        const found = run(id);
        if (found.status !== 'held') {
          throw new AppError('run.not_held', `Run ${id} is ${found.status}, not held.`, { status: 409 });
        }
        const approved = { ...found, status: 'queued' as const };
        runsById.set(id, approved);
        return Promise.resolve(approved);
      },
      reject: async (id) => {
        record('runs.reject', id);
        const found = run(id);
        if (found.status !== 'held') {
          throw new AppError('run.not_held', `Run ${id} is ${found.status}, not held.`, { status: 409 });
        }
        const rejected = { ...found, status: 'rejected' as const, endedAt: NOW };
        runsById.set(id, rejected);
        return Promise.resolve(rejected);
      },
    },
    directory: {
      export: async () => {
        record('directory.export');
        return Promise.resolve(directoryExport());
      },
    },
    units: unsupportedUnits,
    accounts: unsupportedAccounts,
    apps: unsupportedApps,
    outbound: {
      log: async (id, query) => {
        record('outbound.log', id, query);
        binding(id);
        return Promise.resolve({ entries: [] as OutboundLogEntry[], outbox: { pending: 0, failed: 0 } });
      },
      retry: async (id) => {
        record('outbound.retry', id);
        binding(id);
        return Promise.resolve({ requeued: 0 });
      },
      executeAddition: async (id, input) => {
        record('outbound.executeAddition', id, input);
        binding(id);
        return Promise.resolve({ dryRun: input?.dryRun ?? false, units: [], accounts: [] });
      },
    },
  };
  return api;
}

/** The events, schedule and login fields of a view after an input (absent secrets keep the current ones). */
function channelFields(
  input: {
    events?: EventSettingsInput | undefined;
    schedule?: Schedule | undefined;
    login?: BindingView['login'] | undefined;
    outbound?: OutboundSettingsInput | undefined;
  },
  corpId: string,
  current?: BindingView,
): Partial<BindingView> {
  const fields: Partial<BindingView> = {};
  if (input.events !== undefined) {
    fields.events = {
      mode: input.events.mode,
      callbackTokenSet: input.events.callbackToken !== undefined || (current?.events.callbackTokenSet ?? false),
      aesKeySet: input.events.aesKey !== undefined || (current?.events.aesKeySet ?? false),
      requestUrl: input.events.mode === 'http' ? `http://127.0.0.1:8080/callback/idp/dingtalk/orgapp/${corpId}` : null,
      lastCheckUrlAt: current?.events.lastCheckUrlAt ?? null,
    };
  }
  if (input.schedule !== undefined) {
    fields.schedule = input.schedule;
    fields.nextScheduledAt = input.schedule.kind === 'off' ? null : '2026-11-24T19:00:00.000Z';
  }
  if (input.login !== undefined) fields.login = input.login;
  if (input.outbound !== undefined) fields.outbound = outboundView(input.outbound);
  return fields;
}

export function bindingView(fields: Partial<BindingView> = {}): BindingView {
  return {
    id: randomUUID(),
    name: 'Acme',
    corpId: 'ding1234567890',
    appKey: 'dingappkey',
    appSecretSet: true,
    agentId: null,
    apiBase: { oapi: 'http://127.0.0.1:9999', api: 'http://127.0.0.1:9999', login: 'http://127.0.0.1:9999' },
    targetUnitId: randomUUID(),
    scope: { kind: 'all' },
    thresholds: { accounts: { count: 50, percent: 10 }, units: { count: 10, percent: 10 } },
    leaverPolicy: { deleteAfterDays: 30 },
    mapping: { username: { source: 'userid', mode: 'fill_if_empty' }, email: { source: 'org_email | email', mode: 'dingtalk' } },
    matching: [],
    events: { mode: 'off', callbackTokenSet: false, aesKeySet: false, requestUrl: null, lastCheckUrlAt: null },
    schedule: { kind: 'off' },
    nextScheduledAt: null,
    login: { methods: [], outsiders: 'deny', provisionOnLogin: 'refuse' },
    outbound: { enabled: false, agentId: null, units: { kind: 'all' } },
    createdAt: NOW,
    updatedAt: NOW,
    ...fields,
  };
}

export function runView(bindingId: string, fields: Partial<RunView> = {}): RunView {
  return {
    id: randomUUID(),
    bindingId,
    kind: 'full',
    dryRun: false,
    status: 'held',
    step: 'guard',
    applied: 0,
    failed: 0,
    skipped: 0,
    counts: {
      ops: Object.fromEntries(PLAN_OP_KINDS.map((kind, index) => [kind, index])) as Record<(typeof PLAN_OP_KINDS)[number], number>,
      departments: 12,
      users: 340,
      review: 2,
    },
    apiCalls: { total: 31, byApi: { gettoken: 1, 'topapi/v2/department/listsub': 12, 'topapi/v2/user/list': 18 }, throttled: 0 },
    guard: { verdict: 'hold', reasons: [{ kind: 'accounts', count: 60, limit: 50, nested: { deep: [1, 'two', null] } }] },
    error: null,
    createdAt: NOW,
    startedAt: NOW,
    endedAt: null,
    ...fields,
  };
}

export function runOpView(seq: number, fields: Partial<RunOpView> = {}): RunOpView {
  return {
    seq,
    op: 'account.update',
    targetKind: 'account',
    externalId: 'manager4711',
    localId: randomUUID(),
    status: 'applied',
    reason: null,
    before: { email: 'old@example.com', tags: ['a'] },
    after: { email: 'new@example.com', tags: ['a', 'b'] },
    ...fields,
  };
}

export function directoryExport(): DirectoryExport {
  const root = randomUUID();
  const child = randomUUID();
  return {
    units: [
      { id: root, parentId: null, name: 'Acme', external: null },
      { id: child, parentId: root, name: '研发部', external: { corpId: 'ding1234567890', deptId: 4_000_000_001 } },
    ],
    accounts: [
      {
        id: randomUUID(),
        username: 'zhang.san',
        displayName: '张三',
        email: 'zhang.san@example.com',
        mobile: '+86 13800000000',
        status: 'enabled',
        unitIds: [child, root],
        external: { corpId: 'ding1234567890', userid: 'manager4711', unionid: 'iPiiPiiPi' },
      },
      {
        id: randomUUID(),
        username: 'local.admin',
        displayName: 'Local admin',
        email: null,
        mobile: null,
        status: 'disabled',
        unitIds: [],
        external: null,
      },
    ],
  };
}

/** The outbound part of a view after an input (absent = off, as the real service stores it). */
function outboundView(input: OutboundSettingsInput | undefined): BindingView['outbound'] {
  if (input === undefined) return { enabled: false, agentId: null, units: { kind: 'all' } };
  const units = input.units === undefined || input.units.kind === 'all' ? { kind: 'all' as const } : { kind: 'units' as const, units: input.units.units.map((u) => ({ unitId: u.unitId, subtree: u.subtree ?? true })) };
  return { enabled: input.enabled, agentId: input.agentId ?? null, units };
}

/** Units and accounts are tested against the real services (test/directory, test/cli/units-accounts-commands.test.ts); here they refuse. */
