import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEmulator, type TestEmulator } from './emulator-testing.ts';
import type { OrgDepartment, OrgUser } from './org-types.ts';

let emulator: TestEmulator;
let big: OrgDepartment;
let multi: OrgUser;
beforeAll(async () => {
  emulator = await testEmulator({ seed: 'readers', users: 1200 });
  const departments = [...emulator.context.org.departments()];
  big = departments.reduce((a, b) => (b.members.length > a.members.length ? b : a));
  multi = [...emulator.context.org.users()].find((u) => u.memberships.length > 1)!;
});
afterAll(async () => emulator.close());

type Json = Record<string, unknown>;
const result = (reply: { body: Json }): Json => reply.body.result as Json;

describe('department readers (§3)', () => {
  it('listsub returns the direct children with their parent; an absent dept_id means the root', async () => {
    const root = emulator.context.org.department(1)!;
    const explicit = await emulator.oapi('/topapi/v2/department/listsub', { dept_id: 1 });
    const implicit = await emulator.oapi('/topapi/v2/department/listsub', {});
    expect(explicit.body.result).toEqual(implicit.body.result);
    const children = explicit.body.result as Json[];
    expect(children.map((c) => c.dept_id)).toEqual(root.children.map((c) => c.deptId));
    expect(children.every((c) => c.parent_id === 1 && typeof c.name === 'string' && typeof c.create_dept_group === 'boolean')).toBe(true);
  });

  it('get describes a department; the root has no parent_id', async () => {
    const rootReply = result(await emulator.oapi('/topapi/v2/department/get', { dept_id: 1 }));
    expect(rootReply).toMatchObject({ dept_id: 1, name: emulator.context.org.corpName, member_count: 1200 });
    expect(rootReply).not.toHaveProperty('parent_id');
    const detail = result(await emulator.oapi('/topapi/v2/department/get', { dept_id: big.deptId }));
    expect(detail).toMatchObject({ dept_id: big.deptId, parent_id: big.parentId, owning_member_count: big.members.length });
  });

  it('listparentbydept walks from the department to the root; listparentbyuser does so per membership', async () => {
    const chain = result(await emulator.oapi('/topapi/v2/department/listparentbydept', { dept_id: big.deptId })).parent_id_list as number[];
    expect(chain[0]).toBe(big.deptId);
    expect(chain.at(-1)).toBe(1);
    const byUser = result(await emulator.oapi('/topapi/v2/department/listparentbyuser', { userid: multi.userid })).parent_list as Json[];
    expect(byUser).toHaveLength(multi.memberships.length);
  });

  it('answers unknown departments with 60003 and bad ids with 400002', async () => {
    expect((await emulator.oapi('/topapi/v2/department/get', { dept_id: 999 })).body).toMatchObject({ errcode: 60003, request_id: expect.any(String) });
    expect((await emulator.oapi('/topapi/v2/department/listsubid', { dept_id: 'abc' })).body.errcode).toBe(400002);
    expect((await emulator.oapi('/topapi/v2/department/listsubid', {})).body.errcode).toBe(40035);
  });
});

describe('paging a department of more than 100 direct members (§4.2, §4.3)', () => {
  it('returns every member exactly once over the pages, in stable order, with this department’s leader and order', async () => {
    expect(big.members.length).toBeGreaterThan(250);
    const seen: string[] = [];
    let cursor = 0;
    let pages = 0;
    for (;;) {
      const page = result(await emulator.oapi('/topapi/v2/user/list', { dept_id: big.deptId, cursor, size: 100 }));
      pages++;
      for (const user of page.list as Json[]) {
        seen.push(user.userid as string);
        const membership = emulator.context.org.user(user.userid as string)!.memberships.find((m) => m.deptId === big.deptId)!;
        expect(user.dept_order).toBe(membership.order);
        expect(user.leader).toBe(membership.leader);
      }
      if (!page.has_more) {
        expect(page).not.toHaveProperty('next_cursor');
        break;
      }
      cursor = page.next_cursor as number;
    }
    expect(pages).toBe(Math.ceil(big.members.length / 100));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(big.members.map((u) => u.userid));
  });

  it('pages every order_field without repeats', async () => {
    for (const order_field of ['entry_asc', 'entry_desc', 'modify_asc', 'modify_desc', 'custom']) {
      const seen = new Set<string>();
      for (let cursor = 0; ; ) {
        const page = result(await emulator.oapi('/topapi/user/listsimple', { dept_id: big.deptId, cursor, size: 77, order_field }));
        for (const user of page.list as Json[]) seen.add(user.userid as string);
        if (!page.has_more) break;
        cursor = page.next_cursor as number;
      }
      expect(seen.size, order_field).toBe(big.members.length);
    }
  });

  it('enforces size 1..100 and cursor ≥ 0 with each method’s codes', async () => {
    for (const size of [0, 101, 'abc', -1]) {
      expect((await emulator.oapi('/topapi/v2/user/list', { dept_id: 1, cursor: 0, size })).body.errcode, String(size)).toBe(40035);
      expect((await emulator.oapi('/topapi/user/listsimple', { dept_id: 1, cursor: 0, size })).body.errcode, String(size)).toBe(40069);
    }
    expect((await emulator.oapi('/topapi/user/listsimple', { dept_id: 1, cursor: -5, size: 10 })).body.errcode).toBe(40068);
    expect((await emulator.oapi('/topapi/v2/user/list', { dept_id: 1, cursor: 0, size: 10, order_field: 'name' })).body.errcode).toBe(40035);
    expect((await emulator.oapi('/topapi/v2/user/list', { dept_id: 1, size: 10 })).body.errcode).toBe(40035);
  });
});

describe('user readers (§4)', () => {
  it('v2/user/get gives the per-department lists, the main department and the roles', async () => {
    const user = result(await emulator.oapi('/topapi/v2/user/get', { userid: multi.userid }));
    expect(user.dept_id_list).toEqual(multi.memberships.map((m) => m.deptId));
    expect(user.dept_order_list).toEqual(multi.memberships.map((m) => ({ dept_id: m.deptId, order: m.order })));
    expect(user.leader_in_dept).toEqual(multi.memberships.map((m) => ({ dept_id: m.deptId, leader: m.leader })));
    const positions = user.dept_position_list as { dept_id: number; is_main: boolean }[];
    expect(positions.filter((p) => p.is_main).map((p) => p.dept_id)).toEqual([multi.mainDeptId]);
    for (const key of ['active', 'admin', 'boss', 'senior', 'real_authed', 'hide_mobile', 'exclusive_account']) {
      expect(typeof user[key], key).toBe('boolean');
    }
    const boss = result(await emulator.oapi('/topapi/v2/user/get', { userid: [...emulator.context.org.users()].find((u) => u.boss)!.userid }));
    expect(boss.role_list).toEqual([expect.objectContaining({ name: '主管理员', group_name: '默认', id: expect.any(Number) })]);
  });

  it('leaves optional fields out when empty, never "" or null', async () => {
    const users = [...emulator.context.org.users()].slice(0, 200);
    for (const person of users) {
      const user = result(await emulator.oapi('/topapi/v2/user/get', { userid: person.userid }));
      for (const [key, value] of Object.entries(user)) expect(value === '' || value === null, key).toBe(false);
      expect('email' in user).toBe(person.email !== undefined);
      expect('manager_userid' in user).toBe(person.managerUserid !== undefined);
      expect('avatar' in user).toBe(person.avatar !== undefined);
    }
  });

  it('finds people by unionid and mobile, counts them, lists userids', async () => {
    expect(result(await emulator.oapi('/topapi/user/getbyunionid', { unionid: multi.unionid }))).toEqual({ contact_type: 0, userid: multi.userid });
    expect(result(await emulator.oapi('/topapi/v2/user/getbymobile', { mobile: multi.mobile }))).toEqual({ userid: multi.userid });
    expect((await emulator.oapi('/topapi/user/getbyunionid', { unionid: 'stranger' })).body).toMatchObject({ errcode: 60121, errmsg: '找不到该用户' });
    expect((await emulator.oapi('/topapi/v2/user/getbymobile', { mobile: '13000000000' })).body.errcode).toBe(60121);
    expect((await emulator.oapi('/topapi/v2/user/getbymobile', { mobile: 'call me' })).body.errcode).toBe(40104);
    expect((await emulator.oapi('/topapi/v2/user/get', { userid: 'nobody' })).body.errcode).toBe(33012);
    const active = [...emulator.context.org.users()].filter((u) => u.active).length;
    expect(result(await emulator.oapi('/topapi/user/count', { only_active: true }))).toEqual({ count: active });
    expect((await emulator.oapi('/topapi/user/count', {})).body.errcode).toBe(40035);
    expect(result(await emulator.oapi('/topapi/user/listid', { dept_id: big.deptId })).userid_list).toEqual(big.members.map((u) => u.userid));
  });
});
