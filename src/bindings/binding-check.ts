/**
 * `bindings check`: what a binding's DingTalk app can and cannot do, item by item, each with what to click when it
 * is not ok. Every probe is a real read of DingTalk, with the smallest page it allows.
 */
import type { AuthScopes, CorpVerdict, DingTalkClient } from '../dingtalk/index.ts';
import { isDingTalkError } from '../dingtalk/index.ts';
import { crawlRootsOf, ROOT_DEPT_ID, type SyncScope } from '../sync/index.ts';
import type { BindingCheckItem, BindingCheckReport } from './binding-contract.ts';

/** The token endpoints: a failure there is a credentials failure (whatever the call that needed the token). */
const TOKEN_APIS = new Set(['v1.0/oauth2/accessToken', 'gettoken']);

/** Whether `error` came from getting the app token (bad credentials, or DingTalk unreachable) rather than the call itself. */
export function isTokenFailure(error: unknown): boolean {
  return isDingTalkError(error) && TOKEN_APIS.has(error.details.api);
}

/** How many departments the member probe looks into for someone visible before it gives up honestly. */
const MEMBER_PROBE_DEPARTMENTS = 5;

/** What to check; `bindingId` null = credentials not stored yet (the wizard's live test). */
export interface CheckTarget<Id extends string | null = string> {
  bindingId: Id;
  corpId: string;
  scope: SyncScope;
  /** Outbound provisioning on: the write permission is probed (else reported `skipped`). */
  outbound?: boolean;
}

/**
 * The department the write probe updates: an id no organization uses (DingTalk's ids are small and sequential).
 * `department/update` checks the permission before the department, so a granted permission answers 60003 (not
 * found) and changes nothing, a missing one 60011/permission denied; an update with only `dept_id` would change
 * nothing even if such a department existed.
 */
export const WRITE_PROBE_DEPT_ID = 2_147_483_000;

/**
 * Runs the check items in their fixed order: credentials, corp_id, the three read permissions, scope, and the
 * write permission (probed when outbound provisioning is on, else skipped). After a failed credentials item the rest are
 * skipped, since every other call needs a token.
 *
 * @example
 * const report = await checkBinding(client, { bindingId, corpId, scope: { kind: 'all' } }, new Date());
 * report.items.filter((item) => item.status !== 'ok').map((item) => item.hint);
 */
export async function checkBinding<Id extends string | null>(
  client: DingTalkClient,
  target: CheckTarget<Id>,
  checkedAt: Date,
): Promise<CheckReportFor<Id>> {
  const items: BindingCheckItem[] = [];
  const report = (scope: BindingCheckReport['scope']): CheckReportFor<Id> => ({
    bindingId: target.bindingId,
    ok: items.every((item) => item.status === 'ok' || item.status === 'skipped'),
    items,
    scope,
    checkedAt: checkedAt.toISOString(),
  });

  // 1. credentials: `auth/scopes` needs a token and no permission, and its answer serves the scope item below.
  let scopes: AuthScopes | undefined;
  let scopesError: unknown;
  try {
    scopes = await client.auth.scopes();
  } catch (error) {
    if (isTokenFailure(error)) {
      items.push(failedItem('credentials', error));
      items.push(...SKIPPED_AFTER_CREDENTIALS.map((key) => skipped(key, 'Not checked: the credentials did not work.')));
      return report(null);
    }
    scopesError = error;
  }
  items.push({ key: 'credentials', status: 'ok', message: 'DingTalk issued an access token for the AppKey/AppSecret.' });

  // 2. corp_id
  items.push(await corpItem(client, target.corpId));

  // 3. qyapi_get_department_list, on the first department the binding syncs (listsubid ignores the app's scope, §3.2).
  const probeRoot = crawlRootsOf(target.scope)[0] ?? ROOT_DEPT_ID;
  items.push(
    await probe('qyapi_get_department_list', 'topapi/v2/department/listsubid', async () => {
      const children = await client.departments.listSubIds(probeRoot);
      return `Listed ${children.length} sub-department(s) of department ${probeRoot}.`;
    }),
  );

  // 4–5. qyapi_get_department_member on a department the app may read, then qyapi_get_member on someone found there.
  const { item: memberListItem, userid } = await memberListProbe(client, scopes, probeRoot);
  items.push(memberListItem);
  items.push(
    userid === undefined
      ? skipped(
          'permission:qyapi_get_member',
          'Not checked: nobody is visible to the app to read (no members found in the departments probed).',
          'topapi/v2/user/get',
        )
      : await probe('qyapi_get_member', 'topapi/v2/user/get', async () => {
          await client.users.get(userid);
          return `Read the details of user ${userid}.`;
        }),
  );

  // 6. scope (§3.6)
  items.push(scopes === undefined ? failedItem('scope', scopesError) : await scopeItem(client, scopes, target.scope));

  // 7. The write permission (§5) matters only for outbound provisioning; probed with a harmless update.
  items.push(target.outbound === true ? await writeProbe(client) : skipped(
    'permission:qyapi_manage_addresslist',
    'Needed only for outbound provisioning (creating DingTalk users and departments), which is not enabled.',
  ));

  return report(scopes === undefined ? null : scopeView(scopes));
}

/** The report of a stored binding (its id) or of unsaved credentials (null). */
export type CheckReportFor<Id extends string | null> = Omit<BindingCheckReport, 'bindingId'> & { bindingId: Id };

const SKIPPED_AFTER_CREDENTIALS = [
  'corp_id',
  'permission:qyapi_get_department_list',
  'permission:qyapi_get_department_member',
  'permission:qyapi_get_member',
  'scope',
  'permission:qyapi_manage_addresslist',
];

function scopeView(scopes: AuthScopes): NonNullable<BindingCheckReport['scope']> {
  const { authed_dept: departments, authed_user: users } = scopes.auth_org_scopes;
  return { departments, users, wholeOrganization: departments.includes(ROOT_DEPT_ID) };
}

async function corpItem(client: DingTalkClient, corpId: string): Promise<BindingCheckItem> {
  const api = 'v1.0/oauth2/{corpId}/token';
  let verdict: CorpVerdict;
  try {
    verdict = await client.auth.verifyCorp(corpId);
  } catch (error) {
    return { ...failedItem('corp_id', error), api };
  }
  const hint =
    'Copy the CorpId from the DingTalk developer console of the organization that installed the app, ' +
    'or use the AppKey of an app of that organization.';
  switch (verdict) {
    case 'ok':
      return { key: 'corp_id', status: 'ok', message: `The app is installed in the organization ${corpId}.`, api };
    case 'mismatch':
      return { key: 'corp_id', status: 'failed', message: `DingTalk says the app is not installed in ${corpId}.`, hint, api };
    case 'unknown':
      return {
        key: 'corp_id',
        status: 'failed',
        message: `DingTalk could not confirm the organization ${corpId} (500 unknownError: an unknown CorpId, or an outage).`,
        hint,
        api,
      };
  }
}

async function memberListProbe(
  client: DingTalkClient,
  scopes: AuthScopes | undefined,
  probeRoot: number,
): Promise<{ item: BindingCheckItem; userid: string | undefined }> {
  const key = 'permission:qyapi_get_department_member';
  const api = 'topapi/v2/user/list';
  // A department the app may read: the binding's first one when the app sees the whole organization (or scope is
  // unknown), else one the app's scope names (v2/user/list is limited by scope, §4.3 errcode 50004).
  const authed = scopes?.auth_org_scopes.authed_dept ?? [];
  const wholeOrg = scopes === undefined || authed.includes(ROOT_DEPT_ID);
  const start = wholeOrg || authed.includes(probeRoot) ? probeRoot : authed[0];
  const directUser = scopes?.auth_org_scopes.authed_user[0];
  if (start === undefined) {
    return {
      item: skipped(key, 'Not checked: the app’s scope has no department to list members of.', api),
      userid: directUser,
    };
  }
  // Root departments often have no direct members, so look a little further down for someone to read.
  const queue = [start];
  let userid: string | undefined;
  let listed = 0;
  try {
    while (queue.length > 0 && listed < MEMBER_PROBE_DEPARTMENTS && userid === undefined) {
      const deptId = queue.shift()!;
      const page = await client.users.listPage({ deptId, cursor: 0, size: 1 });
      listed += 1;
      userid = page.list[0]?.userid;
      if (userid === undefined && listed === 1) queue.push(...(await client.departments.listSubIds(deptId).catch(() => [])));
    }
  } catch (error) {
    return { item: { ...deniedOrFailed(key, error), api }, userid: directUser };
  }
  return {
    item: { key, status: 'ok', message: `Listed the members of ${listed} department(s), one per page.`, api },
    userid: userid ?? directUser,
  };
}

async function scopeItem(client: DingTalkClient, scopes: AuthScopes, scope: SyncScope): Promise<BindingCheckItem> {
  const view = scopeView(scopes);
  const hint =
    "Widen the app's address-book scope (通讯录权限范围 under 权限管理 in DingTalk's developer console), " +
    "or narrow the binding's scope to departments the app can see.";
  const api = 'auth/scopes';
  if (view.wholeOrganization) {
    return { key: 'scope', status: 'ok', message: 'The app sees the whole organization.', api };
  }
  const seen = `The app sees departments [${view.departments.join(', ')}] and ${view.users.length} user(s) directly`;
  if (scope.kind === 'all') {
    return { key: 'scope', status: 'missing', message: `${seen}, but the binding syncs the whole organization.`, hint, api };
  }
  const outside: number[] = [];
  for (const { deptId } of scope.departments) {
    // listparentbydept ignores the app's scope (§3.4): a chosen department is inside when it or an ancestor is authed.
    const path = await client.departments.listParentByDept(deptId).catch(() => [deptId]);
    if (!path.some((id) => view.departments.includes(id))) outside.push(deptId);
  }
  if (outside.length > 0) {
    return {
      key: 'scope',
      status: 'missing',
      message: `${seen}; the binding's department(s) [${outside.join(', ')}] are outside it.`,
      hint,
      api,
    };
  }
  return { key: 'scope', status: 'ok', message: `${seen}; every department the binding syncs is inside.`, api };
}

async function writeProbe(client: DingTalkClient): Promise<BindingCheckItem> {
  const key = 'permission:qyapi_manage_addresslist';
  const api = 'topapi/v2/department/update';
  try {
    await client.departments.update({ dept_id: WRITE_PROBE_DEPT_ID });
  } catch (error) {
    if (!isDingTalkError(error, 'dingtalk.not_found')) return { ...deniedOrFailed(key, error), api };
  }
  return {
    key,
    status: 'ok',
    message: `DingTalk accepted a write request (a no-op update of the unused department ${WRITE_PROBE_DEPT_ID} answered "not found", not "no permission").`,
    api,
  };
}

async function probe(permission: string, api: string, run: () => Promise<string>): Promise<BindingCheckItem> {
  const key = `permission:${permission}`;
  try {
    return { key, status: 'ok', message: await run(), api };
  } catch (error) {
    return { ...deniedOrFailed(key, error), api };
  }
}

/** A permission denial is `missing` (something to enable); anything else is `failed`. */
function deniedOrFailed(key: string, error: unknown): BindingCheckItem {
  if (isDingTalkError(error, 'dingtalk.permission_denied')) {
    return { key, status: 'missing', message: error.message, ...(error.details.hint ? { hint: error.details.hint } : {}) };
  }
  return failedItem(key, error);
}

function failedItem(key: string, error: unknown): BindingCheckItem {
  if (isDingTalkError(error)) {
    return {
      key,
      status: 'failed',
      message: error.message,
      hint: error.details.hint ?? 'Check that this server can reach DingTalk, then run the check again.',
      api: error.details.api,
    };
  }
  // Not a DingTalk answer (a bug, an abort): say so rather than guess.
  return { key, status: 'failed', message: `The check could not run: ${String(error)}`, hint: 'See the server log.' };
}

function skipped(key: string, message: string, api?: string): BindingCheckItem {
  return { key, status: 'skipped', message, ...(api === undefined ? {} : { api }) };
}
