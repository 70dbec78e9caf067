import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEmulator, type TestEmulator } from './emulator-testing.ts';
import type { OrgDepartment, OrgUser } from './org-types.ts';

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await testEmulator({ seed: 'scope', users: 400 });
});
afterEach(async () => emulator.close());

async function control(method: string, path: string, body?: unknown) {
  return emulator.request(method, `/_emulator${path}`, body ?? {});
}

/** A division (child of the root) with a sub-department, and a person outside it. */
function scopeFixture(): { division: OrgDepartment; inside: OrgUser; outside: OrgUser; otherDept: OrgDepartment } {
  const org = emulator.context.org;
  const root = org.department(1)!;
  const division = root.children.find((d) => d.children.length > 0)!;
  const within = (user: OrgUser, deptId: number) => user.memberships.every((m) => org.ancestors(m.deptId).includes(deptId));
  const users = [...org.users()];
  const inside = users.find((u) => within(u, division.deptId))!;
  const outside = users.find((u) => u.memberships.every((m) => !org.ancestors(m.deptId).includes(division.deptId)))!;
  const otherDept = root.children.find((d) => d !== division)!;
  return { division, inside, outside, otherDept };
}

describe('permissions (§3–§5)', () => {
  it('answers a missing permission with 88 / sub_code 60011 naming it', async () => {
    await control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: ['qyapi_get_member'] });
    const reply = await emulator.oapi('/topapi/v2/user/get', { userid: 'whoever' });
    expect(reply.body).toMatchObject({ errcode: 88, sub_code: '60011' });
    expect(reply.body.sub_msg).toContain('qyapi_get_member');
    expect(reply.body.errmsg).toMatch(/^ding talk error\[subcode=60011,submsg=.*qyapi_get_member/);
    // Other methods keep working.
    expect((await emulator.oapi('/topapi/v2/department/listsubid', { dept_id: 1 })).body.errcode).toBe(0);
    await control('PUT', `/apps/${emulator.appKey}/permissions`, { granted: ['qyapi_get_member'] });
    expect((await emulator.oapi('/topapi/v2/user/get', { userid: 'whoever' })).body.errcode).toBe(33012);
  });

  it('hides mobile and email-like fields without fieldMobile / fieldEmail (§4.3)', async () => {
    const person = [...emulator.context.org.users()].find((u) => u.email && u.workPlace)!;
    await control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: ['fieldMobile', 'fieldEmail'] });
    const user = (await emulator.oapi('/topapi/v2/user/get', { userid: person.userid })).body.result as Record<string, unknown>;
    for (const key of ['mobile', 'state_code', 'email', 'org_email', 'work_place', 'remark', 'extension']) expect(user, key).not.toHaveProperty(key);
    expect(user.name).toBe(person.name);
    const scopes = (await emulator.request('GET', `/auth/scopes?access_token=${await emulator.token()}`)).body;
    expect(scopes.auth_user_field).not.toContain('mobile');
  });

  it('guards the writers with qyapi_manage_addresslist', async () => {
    await control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: ['qyapi_manage_addresslist'] });
    const reply = await emulator.oapi('/topapi/v2/department/create', { name: '新部门', parent_id: 1 });
    expect(reply.body).toMatchObject({ errcode: 88, sub_code: '60011' });
  });
});

describe('address-book scope (§3.6)', () => {
  it('limits listsub, get, list and user/get, but not listsubid, listid or count', async () => {
    const { division, inside, outside, otherDept } = scopeFixture();
    await control('PUT', `/apps/${emulator.appKey}/scope`, { authedDept: [division.deptId], authedUser: [] });

    const scopes = (await emulator.request('GET', `/auth/scopes?access_token=${await emulator.token()}`)).body;
    expect(scopes).toMatchObject({ errcode: 0, auth_org_scopes: { authed_dept: [division.deptId], authed_user: [] }, condition_field: [] });

    expect((await emulator.oapi('/topapi/v2/department/listsub', { dept_id: division.deptId })).body.errcode).toBe(0);
    expect((await emulator.oapi('/topapi/v2/department/listsub', { dept_id: 1 })).body.errcode).toBe(50004);
    expect((await emulator.oapi('/topapi/v2/department/get', { dept_id: otherDept.deptId })).body.errcode).toBe(50004);
    expect((await emulator.oapi('/topapi/v2/user/list', { dept_id: otherDept.deptId, cursor: 0, size: 10 })).body.errcode).toBe(50004);
    expect((await emulator.oapi('/topapi/v2/user/get', { userid: inside.userid })).body.errcode).toBe(0);
    expect((await emulator.oapi('/topapi/v2/user/get', { userid: outside.userid })).body.errcode).toBe(50002);
    expect((await emulator.oapi('/topapi/user/getbyunionid', { unionid: outside.unionid })).body.errcode).toBe(50002);

    expect((await emulator.oapi('/topapi/v2/department/listsubid', { dept_id: 1 })).body.errcode).toBe(0);
    expect((await emulator.oapi('/topapi/user/listid', { dept_id: otherDept.deptId })).body.errcode).toBe(0);
    expect((await emulator.oapi('/topapi/user/count', { only_active: false })).body).toMatchObject({ errcode: 0, result: { count: 400 } });
  });

  it('lets authed_user reach one person outside the departments', async () => {
    const { division, outside } = scopeFixture();
    await control('PUT', `/apps/${emulator.appKey}/scope`, { authedDept: [division.deptId], authedUser: [outside.userid] });
    expect((await emulator.oapi('/topapi/v2/user/get', { userid: outside.userid })).body.errcode).toBe(0);
  });

  it('keeps writes inside the scope', async () => {
    const { division, otherDept, outside } = scopeFixture();
    await control('PUT', `/apps/${emulator.appKey}/scope`, { authedDept: [division.deptId], authedUser: [] });
    expect((await emulator.oapi('/topapi/v2/department/create', { name: '越权部门', parent_id: otherDept.deptId })).body.errcode).toBe(50004);
    expect((await emulator.oapi('/topapi/v2/department/create', { name: '授权部门', parent_id: division.deptId })).body.errcode).toBe(0);
    expect((await emulator.oapi('/topapi/v2/user/delete', { userid: outside.userid })).body.errcode).toBe(50002);
    const create = await emulator.oapi('/topapi/v2/user/create', { name: '新人', mobile: '13900000001', dept_id_list: String(otherDept.deptId) });
    expect(create.body.errcode).toBe(50004);
  });
});
