/**
 * Contract, part 1: the emulator's wire, point by point against dingtalk-api.md §12 ("What an emulator must
 * reproduce"), with plain fetch over loopback. Part 2 (dingtalk-client.test.ts) runs our client over the same wire.
 */
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.ts';

const emulator = useEmulator({ seed: 'wire', users: 600 });

interface OrgDump {
  departments: { dept_id: number; name: string; parent_id: number }[];
  users: { userid: string; unionid: string; name: string; depts: { dept_id: number; order: number; leader: boolean; main: boolean }[]; [k: string]: unknown }[];
}

async function token(): Promise<string> {
  const response = await emulator.fetch(`/gettoken?appkey=${emulator.appKey}&appsecret=${emulator.appSecret}`);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

async function oapi(path: string, body: unknown, accessToken?: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const t = accessToken ?? (await token());
  const response = await emulator.fetch(`/${path}?access_token=${t}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

async function org(): Promise<OrgDump> {
  return emulator.control<OrgDump>('GET', '/org');
}

/** A department with more than 100 direct members (the generator makes several hundred in some). */
async function bigDepartment(): Promise<{ deptId: number; members: string[] }> {
  const dump = await org();
  const members = new Map<number, string[]>();
  for (const user of dump.users) for (const d of user.depts) members.set(d.dept_id, [...(members.get(d.dept_id) ?? []), user.userid]);
  const [deptId, list] = [...members.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
  return { deptId, members: list };
}

describe('oapi envelope (§2, §6.1)', () => {
  it('answers HTTP 200 with errcode 0, errmsg ok and a snake_case request_id on success, as DingTalk/1.0.0 JSON', async () => {
    const { status, body, headers } = await oapi('topapi/v2/department/listsub', { dept_id: 1 });
    expect(status).toBe(200);
    expect(body).toMatchObject({ errcode: 0, errmsg: 'ok' });
    expect(body.request_id).toMatch(/^[a-z0-9]{12,13}$/);
    expect(headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(headers.get('server')).toBe('DingTalk/1.0.0');
  });

  it('answers errors with HTTP 200 and a non-zero errcode, never 500, for an unknown department', async () => {
    const { status, body } = await oapi('topapi/v2/department/get', { dept_id: 987654321 });
    expect(status).toBe(200);
    expect(body.errcode).toBe(60003);
  });

  it('wraps token errors on /topapi/* as errcode 88 with a string sub_code (§2)', async () => {
    const bad = await oapi('topapi/v2/department/listsub', { dept_id: 1 }, 'not-a-token');
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ errcode: 88, sub_code: '40014' });
    expect(typeof bad.body.sub_code).toBe('string');
    const blank = await emulator.fetch('/topapi/v2/department/listsub', { method: 'POST', body: '{"dept_id":1}', headers: { 'content-type': 'application/json' } });
    expect(await blank.json()).toMatchObject({ errcode: 88, sub_code: '40000' });
  });

  it('answers an unknown topapi method with errcode 22 and an unknown path with errcode 404 (§2)', async () => {
    expect((await oapi('topapi/v2/user/notexist', {})).body.errcode).toBe(22);
    const other = await emulator.fetch(`/no/such/path?access_token=${await token()}`);
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ errcode: 404 });
  });
});

describe('request encodings (§2)', () => {
  it('accepts JSON with typed values, JSON with string values and form bodies, with the same result', async () => {
    const t = await token();
    const typed = await oapi('topapi/v2/user/list', { dept_id: 1, cursor: 0, size: 10 }, t);
    const strings = await oapi('topapi/v2/user/list', { dept_id: '1', cursor: '0', size: '10', contain_access_limit: 'false' }, t);
    const form = await emulator.fetch('/topapi/v2/user/list', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: t, dept_id: '1', cursor: '0', size: '10' }).toString(),
    });
    const formBody = (await form.json()) as Record<string, unknown>;
    expect(typed.body.errcode).toBe(0);
    expect(strings.body.result).toEqual(typed.body.result);
    expect(formBody.result).toEqual(typed.body.result); // access_token read from the form body too
  });

  it('takes comma-string lists such as dept_id_list "2,3" on writes (§5.4)', async () => {
    const t = await token();
    const [a, b] = (await org()).departments.filter((d) => d.dept_id !== 1);
    const created = await oapi('topapi/v2/user/create', { name: '测试甲', mobile: '13900000001', dept_id_list: `${a!.dept_id},${b!.dept_id}` }, t);
    expect(created.body.errcode).toBe(0);
    const result = created.body.result as { userid: string; unionId: string };
    expect(result.unionId).toEqual(expect.any(String)); // camelCase on create (§5.4)
    const detail = await oapi('topapi/v2/user/get', { userid: result.userid }, t);
    expect((detail.body.result as { dept_id_list: number[] }).dept_id_list.sort()).toEqual([a!.dept_id, b!.dept_id].sort());
    expect((await oapi('topapi/v2/user/delete', { userid: result.userid }, t)).body.errcode).toBe(0);
  });
});

describe('pagination (§4.3)', () => {
  it('enforces size 1..100', async () => {
    const t = await token();
    for (const size of [0, 101, -5]) {
      const { body } = await oapi('topapi/v2/user/list', { dept_id: 1, cursor: 0, size }, t);
      expect(body.errcode, `size ${size}`).not.toBe(0);
    }
  });

  it('pages a department of more than 100 direct members with has_more/next_cursor, each member once', async () => {
    const t = await token();
    const { deptId, members } = await bigDepartment();
    expect(members.length).toBeGreaterThan(100);
    const seen: string[] = [];
    let cursor = 0;
    for (;;) {
      const { body } = await oapi('topapi/v2/user/list', { dept_id: deptId, cursor, size: 100 }, t);
      const page = body.result as { has_more: boolean; next_cursor?: number; list: { userid: string }[] };
      seen.push(...page.list.map((u) => u.userid));
      if (!page.has_more) {
        expect(page.next_cursor).toBeUndefined();
        break;
      }
      cursor = page.next_cursor!;
    }
    expect(seen.length).toBe(members.length);
    expect(new Set(seen)).toEqual(new Set(members));
  });
});

describe('organization shape (§3, §4)', () => {
  it('has root department 1 whose children list their parent as 1', async () => {
    const { body } = await oapi('topapi/v2/department/listsub', { dept_id: 1 });
    const children = body.result as { dept_id: number; parent_id: number; name: string }[];
    expect(children.length).toBeGreaterThan(0);
    for (const child of children) expect(child.parent_id).toBe(1);
  });

  it('puts some people in several departments, with order and leader per department, and a main one', async () => {
    const dump = await org();
    const multi = dump.users.filter((u) => u.depts.length > 1);
    expect(multi.length / dump.users.length).toBeGreaterThan(0.03);
    const person = multi[0]!;
    const { body } = await oapi('topapi/v2/user/get', { userid: person.userid });
    const detail = body.result as { dept_id_list: number[]; dept_order_list: { dept_id: number }[]; leader_in_dept: { dept_id: number; leader: boolean }[] };
    expect(detail.dept_id_list.sort()).toEqual(person.depts.map((d) => d.dept_id).sort());
    expect(detail.dept_order_list).toHaveLength(person.depts.length);
    expect(detail.leader_in_dept).toHaveLength(person.depts.length);
    expect(person.depts.filter((d) => d.main)).toHaveLength(1);
  });

  it('leaves optional fields out when they are empty rather than sending "" or null (§4.3)', async () => {
    const { body } = await oapi('topapi/v2/user/list', { dept_id: (await bigDepartment()).deptId, cursor: 0, size: 100 });
    const list = (body.result as { list: Record<string, unknown>[] }).list;
    for (const user of list) for (const [key, value] of Object.entries(user)) expect(value === '' || value === null, key).toBe(false);
    const optional = ['email', 'org_email', 'telephone', 'work_place', 'remark', 'avatar'];
    expect(optional.some((field) => list.some((u) => !(field in u)))).toBe(true);
  });
});

describe('api family (§1.1, §6.1)', () => {
  it('takes the token only in the x-acs-dingtalk-access-token header', async () => {
    const t = await token();
    const inQuery = await emulator.fetch(`/v1.0/contact/users/me?access_token=${t}`);
    expect(inQuery.status).toBe(400);
    expect(await inQuery.json()).toMatchObject({ code: 'AuthenticationFailed.MissingParameter', requestid: expect.any(String) });
  });

  it('answers a bad token with 400 InvalidAuthentication in {code, message, requestid}', async () => {
    const response = await emulator.fetch('/v1.0/contact/users/me', { headers: { 'x-acs-dingtalk-access-token': 'bogus' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'InvalidAuthentication', message: expect.any(String), requestid: expect.any(String) });
  });
});

describe('tokens (§1.2–1.4)', () => {
  it('returns the same token while it is valid, with expires_in / expireIn 7200, on both endpoints', async () => {
    const first = (await (await emulator.fetch(`/gettoken?appkey=${emulator.appKey}&appsecret=${emulator.appSecret}`)).json()) as Record<string, unknown>;
    const second = (await (await emulator.fetch(`/gettoken?appkey=${emulator.appKey}&appsecret=${emulator.appSecret}`)).json()) as Record<string, unknown>;
    expect(first).toMatchObject({ errcode: 0, expires_in: 7200 });
    expect(second.access_token).toBe(first.access_token);
    const v1 = await emulator.fetch('/v1.0/oauth2/accessToken', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: emulator.appKey, appSecret: emulator.appSecret }),
    });
    const v1Body = (await v1.json()) as Record<string, unknown>;
    expect(v1Body).toMatchObject({ accessToken: expect.any(String), expireIn: 7200 });
  });

  it('accepts the new-style app token on oapi (§1.4)', async () => {
    const v1 = await emulator.fetch('/v1.0/oauth2/accessToken', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: emulator.appKey, appSecret: emulator.appSecret }),
    });
    const { accessToken } = (await v1.json()) as { accessToken: string };
    expect((await oapi('topapi/v2/department/listsub', { dept_id: 1 }, accessToken)).body.errcode).toBe(0);
  });

  it('refuses wrong credentials with the codes DingTalk uses', async () => {
    const old = await emulator.fetch(`/gettoken?appkey=${emulator.appKey}&appsecret=wrong`);
    expect(await old.json()).toMatchObject({ errcode: 40096 });
    const v1 = await emulator.fetch('/v1.0/oauth2/accessToken', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: emulator.appKey, appSecret: 'wrong' }),
    });
    expect(v1.status).toBe(400);
    expect(await v1.json()).toMatchObject({ code: 'invalidClientIdOrSecret' });
  });
});
