import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEmulator, type TestEmulator } from './emulator-testing.ts';
import type { OrgChange } from './org-types.ts';

let emulator: TestEmulator;
let changes: OrgChange[];
beforeEach(async () => {
  emulator = await testEmulator({ seed: 'writes', users: 300 });
  changes = [];
  emulator.context.org.onChange((change) => changes.push(change));
});
afterEach(async () => emulator.close());

type Json = Record<string, unknown>;
const errcode = async (path: string, params: Json): Promise<unknown> => (await emulator.oapi(path, params)).body.errcode;

async function createDept(name: string, parent_id = 1): Promise<number> {
  const reply = await emulator.oapi('/topapi/v2/department/create', { name, parent_id });
  expect(reply.body.errcode, JSON.stringify(reply.body)).toBe(0);
  return (reply.body.result as { dept_id: number }).dept_id;
}

describe('department writes (§5.1–§5.3)', () => {
  it('creates, renames, moves and deletes, announcing each change', async () => {
    const parent = await createDept('平台研发部');
    const child = await createDept('基础设施组', parent);
    expect(emulator.context.org.department(child)).toMatchObject({ name: '基础设施组', parentId: parent });
    expect(await errcode('/topapi/v2/department/update', { dept_id: child, name: '基础架构组', parent_id: 1, order: 5 })).toBe(0);
    expect(emulator.context.org.department(child)).toMatchObject({ name: '基础架构组', parentId: 1, order: 5 });
    expect(emulator.context.org.department(1)!.children[0]!.deptId).toBe(child);
    expect(await errcode('/topapi/v2/department/delete', { dept_id: child })).toBe(0);
    expect(emulator.context.org.department(child)).toBeUndefined();
    expect(changes).toEqual([
      { kind: 'org_dept_create', ids: [parent] },
      { kind: 'org_dept_create', ids: [child] },
      { kind: 'org_dept_modify', ids: [child] },
      { kind: 'org_dept_remove', ids: [child] },
    ]);
  });

  it('keeps a write when a change listener throws', async () => {
    emulator.context.org.onChange(() => {
      throw new Error('listener bug');
    });
    const dept = await createDept('稳定部');
    expect(emulator.context.org.department(dept)?.name).toBe('稳定部');
    expect(changes).toEqual([{ kind: 'org_dept_create', ids: [dept] }]);
  });

  it('validates names (60001), parents (60004), sibling names (60008)', async () => {
    for (const name of ['研发-一部', '研发，一部', '研发,一部', 'x'.repeat(65)]) {
      expect(await errcode('/topapi/v2/department/create', { name, parent_id: 1 }), name).toBe(60001);
    }
    expect(await errcode('/topapi/v2/department/create', { name: '孤儿部', parent_id: 12345 })).toBe(60004);
    await createDept('重名部');
    expect(await errcode('/topapi/v2/department/create', { name: '重名部', parent_id: 1 })).toBe(60008);
    expect(await errcode('/topapi/v2/department/create', { parent_id: 1 })).toBe(40035);
    expect(changes).toHaveLength(1);
  });

  it('refuses loops (60010), root updates (60018), root deletion (60007), non-empty departments (60005, 60006)', async () => {
    const top = await createDept('顶层部');
    const middle = await createDept('中层部', top);
    const leaf = await createDept('底层部', middle);
    expect(await errcode('/topapi/v2/department/update', { dept_id: top, parent_id: leaf })).toBe(60010);
    expect(await errcode('/topapi/v2/department/update', { dept_id: top, parent_id: top })).toBe(60010);
    expect(await errcode('/topapi/v2/department/update', { dept_id: 1, name: '新公司名' })).toBe(60018);
    expect(await errcode('/topapi/v2/department/delete', { dept_id: 1 })).toBe(60007);
    expect(await errcode('/topapi/v2/department/delete', { dept_id: top })).toBe(60006);
    const busy = [...emulator.context.org.departments()].find((d) => d.members.length > 0 && d.deptId !== 1)!;
    expect(await errcode('/topapi/v2/department/delete', { dept_id: busy.deptId })).toBe(60005);
    expect(await errcode('/topapi/v2/department/delete', { dept_id: 4242 })).toBe(60003);
    expect(await errcode('/topapi/v2/department/update', { dept_id: 4242, name: '无' })).toBe(60003);
  });

  it('sets and clears department managers among its members (§5.2)', async () => {
    const dept = [...emulator.context.org.departments()].find((d) => d.members.length > 3 && d.deptId !== 1)!;
    const [a, b] = dept.members.slice(1, 3).map((u) => u.userid);
    expect(await errcode('/topapi/v2/department/update', { dept_id: dept.deptId, dept_manager_userid_list: `${a},${b}` })).toBe(0);
    const detail = (await emulator.oapi('/topapi/v2/department/get', { dept_id: dept.deptId })).body.result as Json;
    expect(detail.dept_manager_userid_list).toEqual(dept.members.filter((u) => u.userid === a || u.userid === b).map((u) => u.userid));
    expect(await errcode('/topapi/v2/department/update', { dept_id: dept.deptId, dept_manager_userid_list: 'stranger' })).toBe(40031);
    expect(await errcode('/topapi/v2/department/update', { dept_id: dept.deptId, force_update_fields: 'dept_manager_userid_list' })).toBe(0);
    expect((await emulator.oapi('/topapi/v2/department/get', { dept_id: dept.deptId })).body.result).not.toHaveProperty('dept_manager_userid_list');
  });
});

describe('user writes (§5.4–§5.6)', () => {
  const someone = () => [...emulator.context.org.users()].find((u) => u.email && u.telephone)!;

  it('creates a person from a comma-string dept_id_list and returns userid + camelCase unionId', async () => {
    const a = await createDept('新人部');
    const b = await createDept('兼职部');
    const reply = await emulator.oapi('/topapi/v2/user/create', {
      name: '李新', mobile: '13912345678', dept_id_list: `${a},${b}`, email: 'li.xin@example.com', title: '工程师',
      dept_order_list: [{ dept_id: b, order: 1 }], extension: { 爱好: '跑步' },
    }, { encoding: 'strings' });
    expect(reply.body.errcode, JSON.stringify(reply.body)).toBe(0);
    const { userid, unionId } = reply.body.result as { userid: string; unionId: string };
    const user = (await emulator.oapi('/topapi/v2/user/get', { userid })).body.result as Json;
    expect(user).toMatchObject({ userid, unionid: unionId, name: '李新', mobile: '13912345678', dept_id_list: [a, b], email: 'li.xin@example.com', active: false });
    expect(JSON.parse(user.extension as string)).toEqual({ 爱好: '跑步' });
    expect(user.dept_order_list).toContainEqual({ dept_id: b, order: 1 });
    expect((await emulator.oapi('/topapi/v2/user/getbymobile', { mobile: '13912345678' })).body.result).toEqual({ userid });
    expect(changes.at(-1)).toEqual({ kind: 'user_add_org', ids: [userid] });
    // A given userid is kept; a taken one is refused.
    expect((await emulator.oapi('/topapi/v2/user/create', { userid: 'zhangsan', name: '张三', mobile: '13912345679', dept_id_list: [a] })).body.result).toMatchObject({ userid: 'zhangsan' });
    expect(await errcode('/topapi/v2/user/create', { userid: 'zhangsan', name: '张三', mobile: '13912345670', dept_id_list: [a] })).toBe(60102);
  });

  it('refuses taken mobiles (60104), emails (60106), extensions (40100), bad mobiles (60103), unknown departments (60003)', async () => {
    const other = someone();
    const base = { name: '王五', mobile: '13700000001', dept_id_list: '1' };
    expect(await errcode('/topapi/v2/user/create', { ...base, mobile: other.mobile })).toBe(60104);
    expect(await errcode('/topapi/v2/user/create', { ...base, email: other.email!.toUpperCase() })).toBe(60106);
    expect(await errcode('/topapi/v2/user/create', { ...base, telephone: other.telephone })).toBe(40100);
    expect(await errcode('/topapi/v2/user/create', { ...base, mobile: '12345' })).toBe(60103);
    expect(await errcode('/topapi/v2/user/create', { ...base, email: 'not-an-email' })).toBe(60105);
    expect(await errcode('/topapi/v2/user/create', { ...base, dept_id_list: '1,999' })).toBe(60003);
    expect(await errcode('/topapi/v2/user/create', { name: '王五', dept_id_list: '1' })).toBe(40035);
    expect(await errcode('/topapi/v2/user/create', { ...base, mobile: '+852-61234567' })).toBe(0);
    expect(changes.map((c) => c.kind)).toEqual(['user_add_org']);
  });

  it('updates fields, clears them with "", moves departments, ignores mobile', async () => {
    const person = someone();
    const target = await createDept('调岗部');
    const reply = await emulator.oapi('/topapi/v2/user/update', {
      userid: person.userid, name: '改名', title: '', mobile: '13100000000', dept_id_list: `${target}`, remark: '调岗',
    });
    expect(reply.body.errcode, JSON.stringify(reply.body)).toBe(0);
    const user = (await emulator.oapi('/topapi/v2/user/get', { userid: person.userid })).body.result as Json;
    expect(user).toMatchObject({ name: '改名', dept_id_list: [target], remark: '调岗', mobile: person.mobile });
    expect(user).not.toHaveProperty('title');
    expect(emulator.context.org.department(target)!.members).toContain(person);
    expect(changes.at(-1)).toMatchObject({ kind: 'user_modify_org', ids: [person.userid], diff: { curr: { name: '改名' } } });
    expect(await errcode('/topapi/v2/user/update', { userid: 'nobody', name: 'x' })).toBe(60121);
    expect(await errcode('/topapi/v2/user/update', { userid: person.userid, email: [...emulator.context.org.users()].find((u) => u.email && u !== person)!.email })).toBe(60106);
  });

  it('deletes a person from every department and from reporting lines', async () => {
    const manager = [...emulator.context.org.users()].find((u) => [...emulator.context.org.users()].some((o) => o.managerUserid === u.userid))!;
    const depts = manager.memberships.map((m) => m.deptId);
    expect(await errcode('/topapi/v2/user/delete', { userid: manager.userid })).toBe(0);
    for (const deptId of depts) expect(emulator.context.org.department(deptId)!.members).not.toContain(manager);
    expect([...emulator.context.org.users()].some((u) => u.managerUserid === manager.userid)).toBe(false);
    expect((await emulator.oapi('/topapi/user/getbyunionid', { unionid: manager.unionid })).body.errcode).toBe(60121);
    expect(await errcode('/topapi/v2/user/delete', { userid: manager.userid })).toBe(33012);
    expect(changes).toEqual([{ kind: 'user_leave_org', ids: [manager.userid] }]);
  });
});
