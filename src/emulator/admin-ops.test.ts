import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEmulator, type TestEmulator } from './emulator-testing.ts';

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await testEmulator({ seed: 'admin-ops', users: 60 });
});
afterEach(async () => emulator.close());

interface EventJson {
  eventId: string;
  eventType: string;
  corpId: string;
  bornAt: number;
  userIds?: string[];
  deptIds?: number[];
  diffInfo?: unknown;
}
/** Reply bodies, loosely typed for reading nested fields. */
interface Body {
  [key: string]: unknown;
  userid: string;
  dept_id: number;
  results: Body[];
  left: string[];
  depts: Body[];
}
const control = async (method: string, path: string, body?: unknown) => {
  const reply = await emulator.request(method, `/_emulator${path}`, body);
  return { ...reply, body: reply.body as Body };
};
const events = async (query = ''): Promise<EventJson[]> => (await control('GET', `/events${query}`)).body.events as EventJson[];

describe('console operations emit the events DingTalk would (§8.1, §8.2)', () => {
  it('adds, edits, activates and removes one person', async () => {
    const created = await control('POST', '/org/users', { name: '赵六', title: '工程师', dept_id_list: [1] });
    expect(created.status).toBe(201);
    const userid = created.body.userid;
    expect(created.body).toMatchObject({ name: '赵六', active: false, mobile: expect.stringMatching(/^13\d{9}$/) });

    const moved = await control('PATCH', `/org/users/${userid}`, { name: '赵六六', job_number: 'A-1', email: null });
    expect(moved.body).toMatchObject({ name: '赵六六', job_number: 'A-1' });
    expect((await control('POST', `/org/users/${userid}/activate`)).body).toMatchObject({ active: true });
    expect((await control('POST', `/org/users/${userid}/activate`)).status).toBe(409);
    expect((await control('DELETE', `/org/users/${userid}`)).body).toEqual({ userid, left: true });
    expect((await control('DELETE', `/org/users/${userid}`)).status).toBe(404);

    const emitted = await events();
    expect(emitted.map((e) => e.eventType)).toEqual(['user_add_org', 'user_modify_org', 'user_active_org', 'user_leave_org']);
    for (const event of emitted) {
      expect(event).toMatchObject({ eventId: expect.stringMatching(/^[0-9a-f]{32}$/), corpId: emulator.context.corpId, bornAt: emulator.clock.now(), userIds: [userid] });
      expect(event).not.toHaveProperty('deptIds');
    }
    expect(emitted[1]?.diffInfo).toEqual({ prev: { name: '赵六', jobNumber: null }, curr: { name: '赵六六', jobNumber: 'A-1' }, userid });
    expect(new Set(emitted.map((e) => e.eventId)).size).toBe(4);
  });

  it('imports people in bulk as one event with an id array, and reports each failure', async () => {
    const taken = [...emulator.context.org.users()][0]!.mobile;
    const reply = await control('POST', '/org/users', {
      users: [{ name: '甲' }, { name: '乙', mobile: taken }, { name: '丙', dept_id_list: [999] }, { name: '丁', userid: 'ding-d' }],
    });
    expect(reply.body).toMatchObject({ created: 2, failed: 2 });
    expect(reply.body.results[1]).toEqual({ index: 1, errcode: 60104, errmsg: expect.any(String) });
    expect(reply.body.results[2]).toMatchObject({ index: 2, errcode: 60003 });
    const [event] = await events();
    expect(event).toMatchObject({ eventType: 'user_add_org', userIds: [reply.body.results[0]?.userid, 'ding-d'] });
    expect(await events()).toHaveLength(1);
  });

  it('lets many people go at once (by ids or by count) in one user_leave_org', async () => {
    const someone = [...emulator.context.org.users()].find((u) => !u.boss)!.userid;
    const byIds = await control('POST', '/org/departures', { userids: [someone, 'nobody'] });
    expect(byIds.body).toEqual({ left: [someone], missing: ['nobody'] });
    const byCount = await control('POST', '/org/departures', { count: 7 });
    expect(byCount.body.left).toHaveLength(7);
    expect(emulator.context.org.userCount).toBe(60 - 8);
    const emitted = await events('?type=user_leave_org');
    expect(emitted.map((e) => e.userIds)).toEqual([[someone], byCount.body.left]);
    expect((await control('POST', '/org/departures', { userids: ['a'], count: 1 })).status).toBe(400);
    expect((await control('POST', '/org/departures', {})).status).toBe(400);
  });

  it('creates, renames, moves and removes departments; leaders are department edits', async () => {
    const created = await control('POST', '/org/departments', { name: '新部门', parent_id: 1 });
    expect(created.status).toBe(201);
    const deptId = created.body.dept_id;
    const child = (await control('POST', '/org/departments', { name: '子部门', parent_id: deptId })).body.dept_id;
    expect((await control('PATCH', `/org/departments/${child}`, { name: '改名部门', parent_id: 1 })).body).toMatchObject({ name: '改名部门', parent_id: 1 });
    const person = (await control('POST', '/org/users', { name: '领导', dept_id_list: [deptId], leader_in_depts: [deptId] })).body;
    expect(person.depts).toEqual([expect.objectContaining({ dept_id: deptId, leader: true })]);
    expect((await control('DELETE', `/org/departments/${deptId}`)).status).toBe(409);
    expect((await control('PATCH', `/org/users/${person.userid}`, { leader_in_depts: [] })).body.depts[0]?.leader).toBe(false);
    expect((await control('PATCH', `/org/users/${person.userid}`, { leader_in_depts: [child] })).status).toBe(409);
    await control('DELETE', `/org/users/${person.userid}`);
    expect((await control('DELETE', `/org/departments/${deptId}`)).body).toEqual({ dept_id: deptId, removed: true });
    expect((await control('DELETE', '/org/departments/1')).status).toBe(409);
    expect((await control('PATCH', '/org/departments/424242', { name: 'x' })).status).toBe(404);

    const emitted = (await events()).map((e) => [e.eventType, e.deptIds ?? e.userIds]);
    expect(emitted).toEqual([
      ['org_dept_create', [deptId]],
      ['org_dept_create', [child]],
      ['org_dept_modify', [child]],
      ['user_add_org', [person.userid]],
      ['org_dept_modify', [deptId]],
      ['org_dept_modify', [deptId]],
      ['user_leave_org', [person.userid]],
      ['org_dept_remove', [deptId]],
    ]);
  });

  it('emits for the §5 write APIs too, and filters and clears the log', async () => {
    const reply = await emulator.oapi('/topapi/v2/department/create', { name: 'API部门', parent_id: 1 });
    const deptId = (reply.body.result as Body).dept_id;
    await emulator.oapi('/topapi/v2/department/update', { dept_id: deptId, name: 'API部门2' });
    expect((await events('?type=org_dept_create')).map((e) => e.deptIds)).toEqual([[deptId]]);
    expect(await events('?limit=1')).toEqual([expect.objectContaining({ eventType: 'org_dept_modify' })]);
    expect((await control('GET', '/events?status=bogus')).status).toBe(400);
    expect((await control('DELETE', '/events')).body).toEqual({ emitted: 0, events: [] });
  });

  it('refuses bad bodies with 400 naming the field, and unknown people with 404', async () => {
    const bad = await control('POST', '/org/users', { name: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('name');
    expect((await control('POST', '/org/users', { name: 'x', extra: 1 })).status).toBe(400);
    expect((await control('POST', '/org/users', { users: [] })).status).toBe(400);
    expect((await control('POST', '/org/users', { users: [{ name: 1 }] })).status).toBe(400);
    expect((await control('PATCH', '/org/users/nobody', { name: 'x' })).status).toBe(404);
    expect((await control('PATCH', '/org/departments/abc', { name: 'x' })).status).toBe(400);
    expect((await control('POST', '/org/users/nobody/activate')).status).toBe(404);
    expect((await emulator.request('POST', '/_emulator/org/departments', '{', { 'content-type': 'application/json' })).status).toBe(400);
    expect(await events()).toEqual([]);
  });

  it('never answers garbage on the event routes with a 500', async () => {
    const token = await emulator.token();
    const routes: [string, string][] = [
      ['POST', '/_emulator/org/users'], ['PATCH', '/_emulator/org/users/x'], ['POST', '/_emulator/org/departures'],
      ['POST', '/_emulator/org/departments'], ['PATCH', '/_emulator/org/departments/1'], ['PUT', `/_emulator/apps/${emulator.appKey}/events`],
      ['DELETE', '/_emulator/events'], ['GET', '/_emulator/events?limit=x&type='], ['POST', `/call_back/register_call_back?access_token=${token}`],
      ['POST', `/call_back/update_call_back?access_token=${token}`], ['GET', `/call_back/get_call_back_failed_result?access_token=${token}`],
      ['POST', '/v1.0/gateway/connections/open'],
    ];
    const bodies = ['{', '[]', 'null', '"x"', '{"users":[null]}', '{"mode":"http","url":"http://[::1"}', '{"call_back_tag":"a,,b","url":{}}', '{"count":-1}', '{"clientId":[],"clientSecret":{}}', 'x=1&y'];
    for (const [method, url] of routes) {
      for (const body of bodies) {
        const reply = await emulator.request(method, url, body, { 'content-type': body.startsWith('x=') ? 'application/x-www-form-urlencoded' : 'application/json' });
        expect(reply.status, `${method} ${url} ${body}`).toBeLessThan(500);
        expect(reply.text, `${method} ${url} ${body}`).not.toMatch(/\bat \S+ \(|node_modules/);
      }
    }
  });

  it('forgets events on reset', async () => {
    await control('POST', '/org/users', { name: '甲' });
    await control('POST', '/reset', {});
    expect(await events()).toEqual([]);
  });
});
