import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENCODINGS, REQUEST_ID, testEmulator, type TestEmulator } from './emulator-testing.ts';
import type { OrgUser } from './org-types.ts';

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await testEmulator({ seed: 'workbench', users: 60 });
});
afterEach(async () => emulator.close());

const MINUTE = 60_000;

/** An active member who is neither admin nor boss (the generator makes a few of those). */
function member(index = 0): OrgUser {
  return [...emulator.context.org.users()].filter((u) => u.active && !u.admin && !u.boss)[index]!;
}

async function workbenchCode(body: Record<string, unknown>): Promise<string> {
  const reply = await emulator.request('POST', '/_emulator/workbench/code', body);
  expect(reply.status, reply.text).toBe(200);
  return String(reply.body.authCode);
}

async function getUserInfo(code: string, token?: string): Promise<Record<string, unknown>> {
  return (await emulator.oapi('/topapi/v2/user/getuserinfo', { code }, token === undefined ? {} : { token })).body;
}

describe('topapi/v2/user/getuserinfo (免登, §10.3)', () => {
  it('answers the person once; the same code again is 40078 不存在的临时授权码', async () => {
    const user = member(1);
    const code = await workbenchCode({ userid: user.userid });
    const first = await getUserInfo(code);
    expect(first).toEqual({
      errcode: 0,
      errmsg: 'ok',
      result: { userid: user.userid, unionid: user.unionid, name: user.name, device_id: expect.stringMatching(/^[0-9a-f]{32}$/), sys: false, sys_level: 0 },
      request_id: expect.stringMatching(REQUEST_ID),
    });
    expect(await getUserInfo(code)).toMatchObject({ errcode: 40078, errmsg: '不存在的临时授权码' });
  });

  it('refuses a code after 5 minutes with 40102, and an unknown code with 40078', async () => {
    const code = await workbenchCode({ userid: member().userid });
    emulator.clock.advance(5 * MINUTE);
    expect(await getUserInfo(code)).toMatchObject({ errcode: 40102 });
    expect(await getUserInfo(code)).toMatchObject({ errcode: 40102 });
    expect(await getUserInfo('0123456789abcdef0123456789abcdef')).toMatchObject({ errcode: 40078 });
  });

  it('accepts a code just before 5 minutes, in every body encoding', async () => {
    for (const encoding of ENCODINGS) {
      const code = await workbenchCode({ userid: member().userid });
      emulator.clock.advance(5 * MINUTE - 1);
      expect((await emulator.oapi('/topapi/v2/user/getuserinfo', { code }, { encoding })).body, encoding).toMatchObject({ errcode: 0 });
    }
  });

  it('keeps a code asked for one app from the others; a code without clientId serves any app', async () => {
    const created = (await emulator.request('POST', '/_emulator/apps', {})).body as { appKey: string; appSecret: string };
    const otherToken = await emulator.token(created.appKey, created.appSecret);
    const bound = await workbenchCode({ clientId: emulator.appKey, userid: member().userid });
    expect(await getUserInfo(bound, otherToken)).toMatchObject({ errcode: 40078 });
    expect(await getUserInfo(bound)).toMatchObject({ errcode: 0 });
    const open = await workbenchCode({ userid: member().userid });
    expect(await getUserInfo(open, otherToken)).toMatchObject({ errcode: 0 });
  });

  it('reports admins and bosses in sys and sys_level (1 main admin, 2 sub-admin, 100 boss)', async () => {
    const [admin, boss, founder] = [member(2), member(3), member(4)];
    admin.admin = true;
    boss.boss = true;
    founder.admin = true;
    founder.boss = true;
    const levels = [];
    for (const user of [admin, boss, founder]) {
      const result = (await getUserInfo(await workbenchCode({ userid: user.userid }))).result as Record<string, unknown>;
      levels.push([result.sys, result.sys_level]);
    }
    expect(levels).toEqual([[true, 2], [false, 100], [true, 1]]);
  });

  it('answers 60121 when the person left between the code and its use', async () => {
    const user = member(5);
    const code = await workbenchCode({ userid: user.userid });
    expect((await emulator.oapi('/topapi/v2/user/delete', { userid: user.userid })).body.errcode).toBe(0);
    expect(await getUserInfo(code)).toMatchObject({ errcode: 60121 });
  });

  it('needs an app token (wrapped 88/40014 otherwise) and a code (40035)', async () => {
    expect(await getUserInfo('x', 'not-a-token')).toMatchObject({ errcode: 88, sub_code: '40014' });
    expect((await emulator.oapi('/topapi/v2/user/getuserinfo', {})).body).toMatchObject({ errcode: 40035 });
  });
});

describe('user/getuserinfo (legacy 免登, §10.3)', () => {
  it('answers GET ?access_token&code with top-level fields, once', async () => {
    const user = member();
    const token = await emulator.token();
    const code = await workbenchCode({ userid: user.userid });
    const url = `/user/getuserinfo?access_token=${token}&code=${code}`;
    const first = await emulator.request('GET', url);
    expect(first.body).toMatchObject({ errcode: 0, errmsg: 'ok', userid: user.userid, name: user.name, deviceId: expect.any(String), is_sys: false, sys_level: 0 });
    expect((await emulator.request('GET', url)).body).toMatchObject({ errcode: 40078 });
  });

  it('answers token errors unwrapped, as legacy paths do (§2)', async () => {
    expect((await emulator.request('GET', '/user/getuserinfo?access_token=bad&code=x')).body).toMatchObject({ errcode: 40014 });
    expect((await emulator.request('GET', '/user/getuserinfo?code=x')).body).toMatchObject({ errcode: 41001 });
  });
});
