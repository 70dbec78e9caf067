import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCODINGS, REQUEST_ID, testEmulator, type TestEmulator } from './emulator-testing.ts';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await testEmulator({ seed: 'wire', users: 300 });
});
afterAll(async () => emulator.close());

describe('oapi envelope (§2)', () => {
  it('answers success with HTTP 200, errcode 0, request_id, DingTalk headers', async () => {
    const reply = await emulator.oapi('/topapi/v2/department/listsubid', { dept_id: 1 });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(reply.headers.server).toBe('DingTalk/1.0.0');
    expect(reply.body).toMatchObject({ errcode: 0, errmsg: 'ok' });
    expect(reply.body.request_id).toMatch(REQUEST_ID);
    expect((reply.body.result as { dept_id_list: number[] }).dept_id_list.length).toBeGreaterThan(0);
  });

  it.each(ENCODINGS)('reads %s bodies the same way', async (encoding) => {
    const expected = await emulator.oapi('/topapi/v2/user/list', { dept_id: 1, cursor: 0, size: 3, contain_access_limit: false });
    const reply = await emulator.oapi('/topapi/v2/user/list', { dept_id: 1, cursor: 0, size: 3, contain_access_limit: false }, { encoding });
    expect(reply.body.errcode).toBe(0);
    expect(reply.body.result).toEqual(expected.body.result);
  });

  it('reads access_token from a form body and comma-string or array lists', async () => {
    const token = await emulator.token();
    const form = await emulator.request('POST', '/topapi/v2/department/listsubid', `access_token=${token}&dept_id=1`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.body.errcode).toBe(0);
    // A JSON body's access_token is not read (§1.1).
    const json = await emulator.request('POST', '/topapi/v2/department/listsubid', { access_token: token, dept_id: 1 });
    expect(json.body).toMatchObject({ errcode: 88, sub_code: '40000' });
  });

  it('accepts parameters in the query of a GET', async () => {
    const token = await emulator.token();
    const reply = await emulator.request('GET', `/topapi/user/count?access_token=${token}&only_active=false`);
    expect(reply.body).toMatchObject({ errcode: 0, result: { count: 300 } });
  });
});

describe('token errors', () => {
  it('wraps a bad token on /topapi/* as 88 with a string sub_code 40014', async () => {
    const reply = await emulator.oapi('/topapi/v2/user/get', { userid: 'x' }, { token: 'not-a-token' });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      errcode: 88,
      sub_code: '40014',
      sub_msg: '不合法的access_token',
      errmsg: 'ding talk error[subcode=40014,submsg=不合法的access_token]',
      request_id: expect.stringMatching(REQUEST_ID),
    });
  });

  it('says "access_token is blank" (88/40000) when the token is missing, even with the api header', async () => {
    const token = await emulator.token();
    const reply = await emulator.request('POST', '/topapi/v2/user/get', { userid: 'x' }, { 'x-acs-dingtalk-access-token': token });
    expect(reply.body).toMatchObject({ errcode: 88, sub_code: '40000', sub_msg: 'access_token is blank' });
  });

  it('answers legacy paths plainly (40014, 41001)', async () => {
    expect((await emulator.request('GET', '/auth/scopes?access_token=nope')).body).toEqual({ errcode: 40014, errmsg: '不合法的access_token' });
    expect((await emulator.request('GET', '/auth/scopes')).body).toMatchObject({ errcode: 41001 });
  });
});

describe('unknown paths (§2)', () => {
  it('answers an unknown topapi method with errcode 22 naming the ApiName', async () => {
    const reply = await emulator.oapi('/topapi/v2/user/notexist', {}, { token: null });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      errcode: 22,
      sub_msg: '不合法ApiName，ApiName = dingtalk.oapi.v2.user.notexist',
      errmsg: 'Invalid method[submsg=不合法ApiName，ApiName = dingtalk.oapi.v2.user.notexist]',
    });
  });

  it('answers any other unknown path with errcode 404', async () => {
    const reply = await emulator.request('GET', '/microapp/list');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ errcode: 404, errmsg: '请求的URI地址不存在' });
  });

  it('answers an unknown /v1.0 path after checking the token header', async () => {
    expect((await emulator.request('GET', '/v1.0/contact/nothing')).body).toMatchObject({ code: 'AuthenticationFailed.MissingParameter' });
    const token = await emulator.token();
    const reply = await emulator.request('GET', '/v1.0/contact/nothing', undefined, { 'x-acs-dingtalk-access-token': token });
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ code: 'InvalidAction.NotFound' });
  });
});

describe('gettoken (§1.2)', () => {
  it('refuses credentials in a form body (40035) and wrong ones (40096)', async () => {
    const form = await emulator.request('POST', '/gettoken', `appkey=${emulator.appKey}&appsecret=${emulator.appSecret}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.body).toEqual({ errcode: 40035, errmsg: '缺少参数 corpid or appkey' });
    const wrong = await emulator.request('GET', `/gettoken?appkey=${emulator.appKey}&appsecret=wrong`);
    expect(wrong.body).toEqual({ errcode: 40096, errmsg: '不合法的appKey或appSecret' });
  });
});
