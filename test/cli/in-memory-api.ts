/**
 * A DingbridgeApi held in memory, for CLI tests: bindings validated with the contract schemas, runs that move one
 * status per `show` towards an outcome the test chooses, a fixed directory. It throws the AppErrors the real
 * services document (`binding.not_found`, `run.not_found`, `run.not_held`, `binding.corp_id_taken`).
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
} from '../../src/bindings/binding-contract.ts';
import { AppError } from '../../src/core/index.ts';
import { unsupportedAccounts, unsupportedApps, unsupportedUnits } from '../support/unsupported-services.ts';
import type { DirectoryExport } from '../../src/directory/directory-contract.ts';
import { PLAN_OP_KINDS, type PlanOpKind } from '../../src/sync/index.ts';
import type { RunOpView, RunView } from '../../src/sync/sync-run-contract.ts';
import { outboundLogQuerySchema, type ExecuteAdditionResult, type OutboundLogEntry } from '../../src/outbound/outbound-contract.ts';

export type Outcome = 'succeeded' | 'partial' | 'failed' | 'held';

export interface InMemoryState {
  bindings: Map<string, BindingView>;
  runs: Map<string, RunView>;
  /** The `verify` option of each add/update call, in order. */
  verifyCalls: (boolean | undefined)[];
  /** The secret each add received (so a test can check stdin and env reading). */
  secrets: string[];
  /** How the next started run ends. */
  nextOutcome: Outcome;
  checkOk: boolean;
  /** Outbound per binding id: the log (newest first), failed rows (retry puts them back), what execute addition would push. */
  outbound: Map<string, { entries: OutboundLogEntry[]; pending: number; failed: number; plan: Omit<ExecuteAdditionResult, 'dryRun'> }>;
}

export const UNIT_ROOT = '9a3e1f7c-4b2d-4e8f-9c1a-000000000001';
export const UNIT_SALES = '9a3e1f7c-4b2d-4e8f-9c1a-000000000002';

export const DIRECTORY: DirectoryExport = {
  units: [
    { id: UNIT_ROOT, parentId: null, name: 'Acme', external: { corpId: 'dingacme', deptId: 1 } },
    { id: UNIT_SALES, parentId: UNIT_ROOT, name: 'Sales', external: { corpId: 'dingacme', deptId: 42 } },
  ],
  accounts: [
    {
      id: '5c7d2e1f-0a9b-4c8d-8e7f-000000000001',
      username: 'zhang.san',
      displayName: '张三',
      email: 'zhang@acme.example',
      mobile: '+86 13800000000',
      status: 'enabled',
      unitIds: [UNIT_SALES],
      external: { corpId: 'dingacme', userid: 'u1', unionid: 'union1' },
    },
    {
      id: '5c7d2e1f-0a9b-4c8d-8e7f-000000000002',
      username: 'li.si',
      displayName: '李四',
      email: null,
      mobile: null,
      status: 'disabled',
      unitIds: [UNIT_ROOT, UNIT_SALES],
      external: null,
    },
  ],
};

const NOW = '2026-11-24T08:00:00.000Z';
/** What every schedule that is on shows as its next time (the real service computes it; here it is fixed). */
export const NEXT_SCHEDULED = '2026-11-24T19:00:00.000Z';

/** The events part of a view after an input: absent secrets keep the current ones, as the real service does. */
function eventsView(input: EventSettingsInput | undefined, corpId: string, current?: BindingView['events']): BindingView['events'] {
  const mode = input?.mode ?? 'off';
  return {
    mode,
    callbackTokenSet: input?.callbackToken !== undefined || (current?.callbackTokenSet ?? false),
    aesKeySet: input?.aesKey !== undefined || (current?.aesKeySet ?? false),
    requestUrl: mode === 'http' ? `http://localhost:8080/callback/idp/dingtalk/orgapp/${corpId}` : null,
    lastCheckUrlAt: current?.lastCheckUrlAt ?? null,
  };
}

export function createInMemoryApi(): { api: DingbridgeApi; state: InMemoryState } {
  const state: InMemoryState = { bindings: new Map(), runs: new Map(), verifyCalls: [], secrets: [], nextOutcome: 'succeeded', checkOk: true, outbound: new Map() };
  const opsOf = new Map<string, RunOpView[]>();

  const binding = (id: string): BindingView => {
    const view = state.bindings.get(id);
    if (!view) throw new AppError('binding.not_found', `No binding with id ${id}. List them with \`dingbridge bindings list\`.`, { status: 404, details: { id } });
    return view;
  };
  const run = (id: string): RunView => {
    const view = state.runs.get(id);
    if (!view) throw new AppError('run.not_found', `No run with id ${id}.`, { status: 404, details: { id } });
    return view;
  };
  const invalid = (issues: unknown) => new AppError('binding.invalid', 'The binding settings are invalid.', { status: 400, details: { issues } });

  const api: DingbridgeApi = {
    bindings: {
      add(input, options) {
        const parsed = bindingCreateSchema.safeParse(input);
        if (!parsed.success) return Promise.reject(invalid(parsed.error.issues));
        const data = parsed.data;
        if ([...state.bindings.values()].some((view) => view.corpId === data.corpId)) {
          return Promise.reject(new AppError('binding.corp_id_taken', `${data.corpId} is bound already.`, { status: 409, details: { corpId: data.corpId } }));
        }
        state.verifyCalls.push(options?.verify);
        state.secrets.push(data.appSecret);
        const apiBase = typeof data.apiBase === 'string' ? { oapi: data.apiBase, api: data.apiBase, login: data.apiBase } : (data.apiBase ?? null);
        const view: BindingView = {
          id: randomUUID(),
          name: data.name,
          corpId: data.corpId,
          appKey: data.appKey,
          appSecretSet: true,
          agentId: data.agentId ?? null,
          apiBase,
          targetUnitId: data.targetUnitId ?? randomUUID(),
          scope: data.scope ?? { kind: 'all' },
          thresholds: data.thresholds ?? {},
          leaverPolicy: data.leaverPolicy ?? { deleteAfterDays: null },
          mapping: (data.mapping ?? {}) as BindingView['mapping'],
          matching: (data.matching ?? []) as BindingView['matching'],
          events: eventsView(data.events, data.corpId),
          schedule: data.schedule ?? { kind: 'off' },
          nextScheduledAt: data.schedule === undefined || data.schedule.kind === 'off' ? null : NEXT_SCHEDULED,
          login: data.login ?? { methods: [], outsiders: 'deny', provisionOnLogin: 'refuse' },
          outbound: outboundView(data.outbound),
          createdAt: NOW,
          updatedAt: NOW,
        };
        state.bindings.set(view.id, view);
        return Promise.resolve(view);
      },
      list: () => Promise.resolve([...state.bindings.values()]),
      show: (id) => Promise.resolve().then(() => binding(id)),
      update(id, patch, options) {
        return Promise.resolve().then(() => {
          const current = binding(id);
          const parsed = bindingUpdateSchema.safeParse(patch);
          if (!parsed.success) throw invalid(parsed.error.issues);
          state.verifyCalls.push(options?.verify);
          const { appSecret: _secret, apiBase, events, ...rest } = parsed.data;
          const next = {
            ...current,
            ...rest,
            ...(events === undefined ? {} : { events: eventsView(events, current.corpId, current.events) }),
            ...(rest.outbound === undefined ? {} : { outbound: outboundView(rest.outbound) }),
            ...(rest.schedule === undefined ? {} : { nextScheduledAt: rest.schedule.kind === 'off' ? null : NEXT_SCHEDULED }),
            ...(apiBase === undefined ? {} : { apiBase: typeof apiBase === 'string' ? { oapi: apiBase, api: apiBase, login: apiBase } : apiBase }),
            updatedAt: NOW,
          } as BindingView;
          state.bindings.set(id, next);
          return next;
        });
      },
      remove: (id) =>
        Promise.resolve().then(() => {
          binding(id);
          state.bindings.delete(id);
          return { id, unlinkedAccounts: 3, unlinkedUnits: 1 };
        }),
      check: (id) =>
        Promise.resolve().then((): BindingCheckReport => {
          binding(id);
          return {
            bindingId: id,
            ok: state.checkOk,
            items: [
              { key: 'credentials', status: 'ok', message: 'The AppKey and AppSecret are accepted.' },
              state.checkOk
                ? { key: 'permission:qyapi_get_member', status: 'ok', message: 'Members can be read.' }
                : { key: 'permission:qyapi_get_member', status: 'missing', message: 'Members cannot be read.', hint: 'Request 成员信息读权限 in the developer console.' },
            ],
            scope: { departments: [1], users: [], wholeOrganization: true },
            checkedAt: NOW,
          };
        }),
      // The CLI has no command for the wizard's two calls; answered as the server would, so the double is complete.
      test: (input) =>
        Promise.resolve({
          bindingId: null,
          ok: state.checkOk,
          items: [{ key: 'credentials', status: 'ok', message: `The AppKey ${input.appKey} and its AppSecret are accepted.` }],
          scope: { departments: [1], users: [], wholeOrganization: true },
          checkedAt: NOW,
        }),
      previewMapping: (id) =>
        Promise.resolve().then(() => {
          binding(id);
          return { bindingId: id, departments: [1], people: [], fetchedAt: NOW };
        }),
    },
    runs: {
      start(bindingId, options) {
        return Promise.resolve().then(() => {
          binding(bindingId);
          const view: RunView = {
            id: randomUUID(),
            bindingId,
            kind: 'full',
            dryRun: options?.dryRun ?? false,
            status: 'queued',
            step: null,
            applied: 0,
            failed: 0,
            skipped: 0,
            counts: {},
            apiCalls: { total: 0, byApi: {}, throttled: 0 },
            guard: null,
            error: null,
            createdAt: NOW,
            startedAt: null,
            endedAt: null,
          };
          state.runs.set(view.id, view);
          outcomes.set(view.id, state.nextOutcome);
          opsOf.set(view.id, [
            { seq: 1, op: 'account.create', targetKind: 'account', externalId: 'u1', localId: null, status: view.dryRun ? 'planned' : 'applied', reason: null, before: null, after: { username: 'zhang.san', displayName: '张三' } },
            { seq: 2, op: 'account.update', targetKind: 'account', externalId: 'u2', localId: 'a2', status: view.dryRun ? 'planned' : 'failed', reason: view.dryRun ? null : 'username taken', before: { displayName: 'Li', email: 'li@acme.example' }, after: { displayName: '李四', email: 'li@acme.example' } },
          ]);
          return view;
        });
      },
      list: (query = {}) =>
        Promise.resolve(
          [...state.runs.values()]
            .filter((view) => (query.bindingId === undefined || view.bindingId === query.bindingId) && (query.status === undefined || view.status === query.status))
            .slice(0, Number(query.limit ?? 50)),
        ),
      show: (id) => Promise.resolve().then(() => advance(run(id))),
      ops: (id, query = {}) =>
        Promise.resolve().then(() => {
          run(id);
          const offset = Number(query.offset ?? 0);
          return (opsOf.get(id) ?? []).filter((op) => query.status === undefined || op.status === query.status).slice(offset, offset + Number(query.limit ?? 1000));
        }),
      approve: (id) => Promise.resolve().then(() => decide(run(id), 'queued')),
      reject: (id) => Promise.resolve().then(() => decide(run(id), 'rejected')),
    },
    directory: { export: () => Promise.resolve(DIRECTORY) },
    units: unsupportedUnits,
    accounts: unsupportedAccounts,
    apps: unsupportedApps,
    outbound: {
      log: (bindingId, query = {}) =>
        Promise.resolve().then(() => {
          binding(bindingId);
          const parsed = outboundLogQuerySchema.parse(query);
          const outbound = outboundOf(bindingId);
          return {
            entries: outbound.entries.filter((entry) => parsed.status === undefined || entry.status === parsed.status).slice(0, parsed.limit),
            outbox: { pending: outbound.pending, failed: outbound.failed },
          };
        }),
      retry: (bindingId) =>
        Promise.resolve().then(() => {
          binding(bindingId);
          const outbound = outboundOf(bindingId);
          const requeued = outbound.failed;
          outbound.pending += requeued;
          outbound.failed = 0;
          return { requeued };
        }),
      executeAddition: (bindingId, input = {}) =>
        Promise.resolve().then(() => {
          if (!binding(bindingId).outbound.enabled) {
            throw new AppError('outbound.off', `Binding ${bindingId} has outbound provisioning off.`, { status: 409 });
          }
          const outbound = outboundOf(bindingId);
          const result = { dryRun: input.dryRun ?? false, ...outbound.plan };
          if (!result.dryRun) {
            outbound.pending += outbound.plan.units.length + outbound.plan.accounts.length;
            outbound.plan = { units: [], accounts: [] };
          }
          return result;
        }),
    },
  };
  function outboundOf(bindingId: string) {
    let outbound = state.outbound.get(bindingId);
    if (!outbound) {
      outbound = { entries: [], pending: 0, failed: 0, plan: { units: [], accounts: [] } };
      state.outbound.set(bindingId, outbound);
    }
    return outbound;
  }

  const outcomes = new Map<string, Outcome>();
  const opCounts = { ...(Object.fromEntries(PLAN_OP_KINDS.map((kind) => [kind, 0])) as Record<PlanOpKind, number>), 'account.create': 1, 'account.update': 1 };
  /** One step per look: queued → running (crawl) → the chosen outcome. */
  function advance(view: RunView): RunView {
    let next: RunView = view;
    if (view.status === 'queued') {
      next = { ...view, status: 'running', step: 'crawl', startedAt: NOW, counts: { departments: 2, users: 5 }, apiCalls: { total: 3, byApi: { gettoken: 1, 'topapi/v2/department/listsub': 2 }, throttled: 0 } };
    } else if (view.status === 'running') {
      const outcome = outcomes.get(view.id) ?? 'succeeded';
      next = {
        ...view,
        status: outcome,
        step: outcome === 'failed' ? 'crawl' : 'apply',
        applied: outcome === 'succeeded' ? 2 : outcome === 'partial' ? 1 : 0,
        failed: outcome === 'partial' ? 1 : 0,
        counts: { departments: 2, users: 5, review: 0, ops: opCounts },
        apiCalls: { total: 7, byApi: { gettoken: 1, 'topapi/v2/department/listsub': 2, 'topapi/v2/user/list': 4 }, throttled: 0 },
        guard: outcome === 'held' ? { verdict: 'hold', reasons: [{ code: 'sync.threshold_exceeded', subject: 'accounts' }] } : null,
        error: outcome === 'failed' ? { code: 'dingtalk.permission_denied', message: 'The app may not read members.' } : null,
        endedAt: NOW,
      };
    }
    state.runs.set(next.id, next);
    return next;
  }
  function decide(view: RunView, status: 'queued' | 'rejected'): RunView {
    if (view.status !== 'held') throw new AppError('run.not_held', `Run ${view.id} is ${view.status}, not held.`, { status: 409, details: { id: view.id } });
    const next = { ...view, status };
    if (status === 'queued') outcomes.set(view.id, 'succeeded');
    state.runs.set(view.id, next);
    return next;
  }

  return { api, state };
}

/** The outbound part of a view after an input (absent = off, as the real service stores it). */
function outboundView(input: OutboundSettingsInput | undefined): BindingView['outbound'] {
  if (input === undefined) return { enabled: false, agentId: null, units: { kind: 'all' } };
  const units = input.units === undefined || input.units.kind === 'all' ? { kind: 'all' as const } : { kind: 'units' as const, units: input.units.units.map((u) => ({ unitId: u.unitId, subtree: u.subtree ?? true })) };
  return { enabled: input.enabled, agentId: input.agentId ?? null, units };
}

/** Units and accounts are tested against the real services (test/directory, test/cli/units-accounts-commands.test.ts); here they refuse. */
