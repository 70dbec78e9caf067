/**
 * A tiny, pure apply over a {@link LocalDirectoryView}: what the real apply does to the directory, without a
 * database. It enforces the constraints the schema enforces (unique usernames ignoring case, one main membership
 * per account, a unit deleted only when empty, parents that exist), so a plan that would fail against PostgreSQL
 * fails here too. Like the real apply it returns a result per operation and skips the dependents of a failure.
 */
import type { LocalDirectoryView, LocalLinkedAccount, LocalMembership, LocalUnit } from './local-directory-view.ts';
import type { FieldChangeJson, PlanOp, SyncPlan } from './plan-operation.ts';

export type InMemoryOpStatus = 'applied' | 'failed' | 'skipped';

export interface InMemoryApplyResult {
  local: LocalDirectoryView;
  results: { id: string; status: InMemoryOpStatus; error?: string }[];
}

export interface InMemoryApplyOptions {
  /** The apply's clock: `disabledAt` of the accounts it disables. */
  now: number;
  /** The binding's target unit (units under it need no other parent). */
  targetUnitId: string;
  /** Makes chosen operations fail, to test what depends on them. */
  fail?: (op: PlanOp) => boolean;
}

/**
 * Applies `plan` to a copy of `local`.
 *
 * @example
 * const { local: after, results } = applyPlanInMemory(local, plan, { now, targetUnitId });
 * expect(results.every((r) => r.status === 'applied')).toBe(true);
 */
export function applyPlanInMemory(local: LocalDirectoryView, plan: Pick<SyncPlan, 'ops'>, options: InMemoryApplyOptions): InMemoryApplyResult {
  const state = structuredClone(local);
  const results: InMemoryApplyResult['results'] = [];
  const failed = new Set<string>();
  for (const op of plan.ops) {
    if (op.dependsOn.some((id) => failed.has(id))) {
      failed.add(op.id);
      results.push({ id: op.id, status: 'skipped' });
      continue;
    }
    try {
      if (options.fail?.(op) === true) throw new Error('failed on purpose');
      applyOp(state, op, options);
      results.push({ id: op.id, status: 'applied' });
    } catch (error) {
      failed.add(op.id);
      results.push({ id: op.id, status: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { local: state, results };
}

function applyOp(state: LocalDirectoryView, op: PlanOp, options: InMemoryApplyOptions): void {
  switch (op.kind) {
    case 'unit.create':
      if (state.units.some((u) => u.id === op.unitId)) throw new Error(`unit ${op.unitId} exists`);
      if (state.units.some((u) => u.deptId === op.deptId)) throw new Error(`department ${op.deptId} is linked already`);
      requireParent(state, op.parentId, options);
      state.units.push({ id: op.unitId, parentId: op.parentId, name: op.name, sortOrder: op.sortOrder, deptId: op.deptId });
      return;
    case 'unit.update': {
      const unit = find(state.units, op.unitId, 'unit');
      for (const change of op.changes) {
        if (change.field === 'name') unit.name = text(change.after);
        else if (change.field === 'sortOrder') unit.sortOrder = Number(change.after);
        else if (change.field === 'parentId') {
          requireParent(state, text(change.after), options);
          unit.parentId = text(change.after);
        } else throw new Error(`unknown unit field ${change.field}`);
      }
      if (hasLoop(state.units, unit.id)) throw new Error(`moving ${unit.id} makes a loop`);
      return;
    }
    case 'unit.delete':
      find(state.units, op.unitId, 'unit');
      if (state.units.some((u) => u.parentId === op.unitId)) throw new Error(`unit ${op.unitId} has child units`);
      if (state.memberships.some((m) => m.unitId === op.unitId)) throw new Error(`unit ${op.unitId} has members`);
      state.units = state.units.filter((u) => u.id !== op.unitId);
      return;
    case 'account.create': {
      const values = op.values;
      const account: LocalLinkedAccount = {
        id: op.accountId,
        userid: op.userid,
        unionid: op.unionid,
        status: 'enabled',
        disabledAt: null,
        disabledBy: null,
        linkedElsewhere: false,
        mainElsewhere: false,
        fields: {
          username: values['username'] ?? '',
          displayName: values['displayName'] ?? '',
          email: values['email'] ?? null,
          mobile: values['mobile'] ?? null,
          jobNumber: values['jobNumber'] ?? null,
          title: values['title'] ?? null,
          attributes: {},
        },
      };
      for (const [target, value] of Object.entries(values)) {
        if (target.startsWith('attributes.')) account.fields.attributes[target.slice('attributes.'.length)] = value;
      }
      if (account.fields.username === '' || account.fields.displayName === '') throw new Error('username and displayName are required');
      requireFreeUsername(state, account.fields.username, account.id);
      if (state.accounts.some((a) => a.userid === op.userid)) throw new Error(`userid ${op.userid} is linked already`);
      state.accounts.push(account);
      return;
    }
    case 'account.link': {
      const candidate = find(state.candidates, op.accountId, 'candidate account');
      if (state.accounts.some((a) => a.userid === op.userid)) throw new Error(`userid ${op.userid} is linked already`);
      state.candidates = state.candidates.filter((c) => c.id !== op.accountId);
      state.accounts.push({
        id: candidate.id,
        userid: op.userid,
        unionid: op.unionid,
        status: candidate.status,
        disabledAt: candidate.status === 'disabled' ? options.now : null,
        disabledBy: candidate.status === 'disabled' ? 'admin' : null,
        linkedElsewhere: false,
        mainElsewhere: candidate.mainElsewhere,
        fields: candidate.fields,
      });
      return;
    }
    case 'account.update': {
      const account = find(state.accounts, op.accountId, 'account');
      for (const change of op.changes) applyFieldChange(state, account, change);
      return;
    }
    case 'account.enable': {
      const account = find(state.accounts, op.accountId, 'account');
      Object.assign(account, { status: 'enabled', disabledAt: null, disabledBy: null });
      return;
    }
    case 'account.disable': {
      const account = find(state.accounts, op.accountId, 'account');
      Object.assign(account, { status: 'disabled', disabledAt: options.now, disabledBy: 'sync' });
      return;
    }
    case 'account.delete':
      find(state.accounts, op.accountId, 'account');
      state.accounts = state.accounts.filter((a) => a.id !== op.accountId);
      state.memberships = state.memberships.filter((m) => m.accountId !== op.accountId); // ON DELETE CASCADE
      return;
    case 'membership.add': {
      find([...state.accounts, ...state.candidates], op.accountId, 'account');
      if (op.unitId !== options.targetUnitId) find(state.units, op.unitId, 'unit');
      if (state.memberships.some((m) => m.accountId === op.accountId && m.unitId === op.unitId)) {
        throw new Error(`membership ${op.accountId}/${op.unitId} exists`);
      }
      const membership: LocalMembership = { accountId: op.accountId, unitId: op.unitId, order: op.order, leader: op.leader, main: op.main };
      state.memberships.push(membership);
      requireOneMain(state, op.accountId);
      return;
    }
    case 'membership.update': {
      const membership = state.memberships.find((m) => m.accountId === op.accountId && m.unitId === op.unitId);
      if (membership === undefined) throw new Error(`no membership ${op.accountId}/${op.unitId}`);
      for (const change of op.changes) {
        if (change.field === 'order') membership.order = Number(change.after);
        else if (change.field === 'leader') membership.leader = change.after === true;
        else if (change.field === 'main') membership.main = change.after === true;
        else throw new Error(`unknown membership field ${change.field}`);
      }
      requireOneMain(state, op.accountId);
      return;
    }
    case 'membership.remove': {
      const before = state.memberships.length;
      state.memberships = state.memberships.filter((m) => !(m.accountId === op.accountId && m.unitId === op.unitId));
      if (state.memberships.length === before) throw new Error(`no membership ${op.accountId}/${op.unitId}`);
      return;
    }
  }
}

function applyFieldChange(state: LocalDirectoryView, account: LocalLinkedAccount, change: FieldChangeJson): void {
  const after = change.after;
  if (change.field === 'link.unionid') {
    account.unionid = typeof after === 'string' ? after : null;
  } else if (change.field.startsWith('attributes.')) {
    account.fields.attributes[change.field.slice('attributes.'.length)] = after;
  } else if (change.field === 'username' || change.field === 'displayName') {
    if (typeof after !== 'string' || after === '') throw new Error(`${change.field} cannot be emptied`);
    if (change.field === 'username') requireFreeUsername(state, after, account.id);
    account.fields[change.field] = after;
  } else if (change.field === 'email' || change.field === 'mobile' || change.field === 'jobNumber' || change.field === 'title') {
    account.fields[change.field] = typeof after === 'string' ? after : null;
  } else {
    throw new Error(`unknown account field ${change.field}`);
  }
}

function find<T extends { id: string }>(items: T[], id: string, what: string): T {
  const item = items.find((candidate) => candidate.id === id);
  if (item === undefined) throw new Error(`no ${what} ${id}`);
  return item;
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected text, got ${JSON.stringify(value)}`);
  return value;
}

function requireParent(state: LocalDirectoryView, parentId: string, options: InMemoryApplyOptions): void {
  if (parentId !== options.targetUnitId && !state.units.some((u) => u.id === parentId)) throw new Error(`no parent unit ${parentId}`);
}

function requireFreeUsername(state: LocalDirectoryView, username: string, accountId: string): void {
  const key = username.toLowerCase();
  const holder = [...state.accounts, ...state.candidates].find((a) => a.id !== accountId && a.fields.username.toLowerCase() === key);
  if (holder !== undefined) throw new Error(`username ${username} is taken by ${holder.id}`);
}

function requireOneMain(state: LocalDirectoryView, accountId: string): void {
  const mains = state.memberships.filter((m) => m.accountId === accountId && m.main).length;
  const elsewhere = [...state.accounts, ...state.candidates].find((a) => a.id === accountId)?.mainElsewhere === true ? 1 : 0;
  if (mains + elsewhere > 1) throw new Error(`account ${accountId} would have ${mains + elsewhere} main memberships`);
}

function hasLoop(units: readonly LocalUnit[], start: string): boolean {
  const byId = new Map(units.map((u) => [u.id, u]));
  const seen = new Set<string>();
  for (let unit = byId.get(start); unit !== undefined; unit = unit.parentId === null ? undefined : byId.get(unit.parentId)) {
    if (seen.has(unit.id)) return true;
    seen.add(unit.id);
  }
  return false;
}
