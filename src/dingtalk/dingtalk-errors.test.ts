import { describe, expect, it } from 'vitest';
import { DingTalkError } from './dingtalk-errors.ts';
import { readResponse, type ApiFamily } from './response-reader.ts';
import { oapiResult, userCountSchema, userDetailSchema } from './schemas.ts';
import { z } from 'zod';

/** What `readResponse` throws for a body, or fails the test when it returns. */
function failureOf(family: ApiFamily, api: string, status: number, body: unknown): DingTalkError {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  try {
    readResponse(family, api, status, text, z.unknown());
  } catch (error) {
    if (error instanceof DingTalkError) return error;
    throw error;
  }
  throw new Error('expected a DingTalkError');
}

describe('oapi failures, from bodies quoted in dingtalk-api.md', () => {
  it('reads the 88 wrapper through its string sub_code (§2)', () => {
    const error = failureOf('oapi', 'topapi/v2/user/get', 200, {
      errcode: 88,
      sub_code: '40014',
      sub_msg: '不合法的access_token',
      errmsg: 'ding talk error[subcode=40014,submsg=不合法的access_token]',
      request_id: 'x0a1b2c3d4e5',
    });
    expect(error.code).toBe('dingtalk.invalid_token');
    expect(error.details).toMatchObject({
      api: 'topapi/v2/user/get',
      errcode: 88,
      subCode: '40014',
      requestId: 'x0a1b2c3d4e5',
      httpStatus: 200,
    });
    expect(error.message).toContain('不合法的access_token');
  });

  it('names the missing permission and what to enable for 60011, wrapped or not (§6.2)', () => {
    const wrapped = failureOf('oapi', 'topapi/v2/user/list', 200, { errcode: 88, sub_code: '60011', sub_msg: '没有调用该接口的权限' });
    const plain = failureOf('oapi', 'topapi/v2/department/listsub', 200, { errcode: 60011, errmsg: '没有调用该接口的权限' });
    expect(wrapped.code).toBe('dingtalk.permission_denied');
    expect(wrapped.details.permission).toBe('qyapi_get_department_member');
    expect(wrapped.details.hint).toContain('qyapi_get_department_member');
    expect(wrapped.message).toContain('qyapi_get_department_member');
    expect(plain.details.permission).toBe('qyapi_get_department_list');
    expect(failureOf('oapi', 'topapi/v2/user/create', 200, { errcode: 60011 }).details.permission).toBe(
      'qyapi_manage_addresslist',
    );
    expect(failureOf('oapi', 'topapi/v2/user/getbymobile', 200, { errcode: 60011 }).details.permission).toBe(
      'qyapi_get_member_by_mobile',
    );
  });

  it('maps throttles: 90018 and the real 90002 body (§6.3)', () => {
    expect(failureOf('oapi', 'topapi/v2/user/list', 200, { errcode: 90018, errmsg: '请求过于频繁' }).code).toBe(
      'dingtalk.rate_limited',
    );
    const ban = failureOf('oapi', 'user/list', 200, {
      errmsg: '您的服务器调用钉钉开放平台当前接口的所有请求都被暂时禁用了, apiPath(/user/list), 从 … 到 … 请求总次数超过了 300 次, 处罚将在 … 结束.',
      errcode: 90002,
    });
    expect(ban.code).toBe('dingtalk.rate_limited');
    expect(ban.details.errcode).toBe(90002);
  });

  it('tells bad credentials on gettoken from a bad token elsewhere (§1.2, §6.2)', () => {
    expect(failureOf('oapi', 'gettoken', 200, { errcode: 40096, errmsg: '不合法的appKey或appSecret' }).code).toBe(
      'dingtalk.invalid_credentials',
    );
    expect(failureOf('oapi', 'gettoken', 200, { errcode: 40089 }).code).toBe('dingtalk.invalid_credentials');
    expect(failureOf('oapi', 'gettoken', 200, { errcode: 40001 }).code).toBe('dingtalk.invalid_credentials');
    expect(failureOf('oapi', 'topapi/v2/user/get', 200, { errcode: 40001 }).code).toBe('dingtalk.invalid_token');
    expect(failureOf('oapi', 'microapp/list', 200, { errcode: 40014, errmsg: '不合法的access_token' }).code).toBe(
      'dingtalk.invalid_token',
    );
    expect(failureOf('oapi', 'topapi/v2/user/get', 200, { errcode: 42001 }).code).toBe('dingtalk.invalid_token');
    expect(
      failureOf('oapi', 'topapi/v2/user/get', 200, { errcode: 88, sub_code: '40000', sub_msg: 'access_token is blank' })
        .code,
    ).toBe('dingtalk.invalid_token');
  });

  it.each([
    [{ errcode: 60121, errmsg: '找不到该用户', request_id: 'abc' }, 'dingtalk.not_found'],
    [{ errcode: 33012, errmsg: '无效的userId' }, 'dingtalk.not_found'],
    [{ errcode: 60003 }, 'dingtalk.not_found'],
    [{ errcode: 60111 }, 'dingtalk.not_found'],
    [{ errcode: 50002 }, 'dingtalk.out_of_scope'],
    [{ errcode: 50004 }, 'dingtalk.out_of_scope'],
    [{ errcode: 400002 }, 'dingtalk.invalid_parameter'],
    [{ errcode: 40035 }, 'dingtalk.invalid_parameter'],
    [{ errcode: 40069 }, 'dingtalk.invalid_parameter'],
    [{ errcode: 60104 }, 'dingtalk.conflict'],
    [{ errcode: 60005 }, 'dingtalk.conflict'],
    [{ errcode: 60006 }, 'dingtalk.conflict'],
    [{ errcode: 40078 }, 'dingtalk.invalid_auth_code'],
    [{ errcode: 90020 }, 'dingtalk.quota_exceeded'],
    [{ errcode: -1, errmsg: '系统繁忙' }, 'dingtalk.unavailable'],
    [{ errcode: 22, sub_msg: '不合法ApiName', errmsg: 'Invalid method' }, 'dingtalk.api_error'],
  ])('maps %j to %s', (body, code) => {
    expect(failureOf('oapi', 'topapi/v2/user/get', 200, body).code).toBe(code);
  });

  it('tells where to widen the scope on 50004 (§4.3)', () => {
    expect(failureOf('oapi', 'topapi/v2/user/list', 200, { errcode: 50004 }).details.hint).toMatch(/scope/);
  });
});

describe('api.dingtalk.com failures (§1.1, §6.2)', () => {
  it('maps 400 InvalidAuthentication, keeping status and requestid', () => {
    const error = failureOf('api', 'v1.0/contact/users/me', 400, {
      code: 'InvalidAuthentication',
      requestid: 'B5C3B1F7-0000',
      message: '不合法的access_token',
    });
    expect(error.code).toBe('dingtalk.invalid_token');
    expect(error.details).toMatchObject({ errcode: 'InvalidAuthentication', httpStatus: 400, requestId: 'B5C3B1F7-0000' });
  });

  it.each([
    [403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', 'dingtalk.rate_limited'],
    [403, 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi', 'dingtalk.rate_limited'],
    [400, 'invalidClientIdOrSecret', 'dingtalk.invalid_credentials'],
    [404, 'invalidParameter.user.notFound', 'dingtalk.not_found'],
    [400, 'invalidParameter.someField.bad', 'dingtalk.invalid_parameter'],
    [400, 'AuthenticationFailed.MissingParameter', 'dingtalk.invalid_token'],
    [403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', 'dingtalk.permission_denied'],
    [403, 'Forbidden.AccessDenied.ApiCountLimitForOrg', 'dingtalk.quota_exceeded'],
    [503, '-', 'dingtalk.unavailable'],
    [500, 'unknownError', 'dingtalk.unavailable'],
    [418, 'somethingNew', 'dingtalk.api_error'],
  ])('maps HTTP %i %s to %s', (status, code, expected) => {
    expect(failureOf('api', 'v1.0/oauth2/accessToken', status, { code, message: 'm', requestid: 'r' }).code).toBe(expected);
  });

  it('reads any invalidParameter answer to a login-code exchange as a bad code (§10.1, §13.8)', () => {
    for (const code of ['invalidParameter.authCode.notFound', 'invalidParameter.authCode.expired', 'invalidParameter.refreshToken.expired']) {
      expect(failureOf('api', 'v1.0/oauth2/userAccessToken', 400, { code, message: 'm', requestid: 'r' }).code).toBe('dingtalk.invalid_auth_code');
    }
    const credentials = failureOf('api', 'v1.0/oauth2/userAccessToken', 400, { code: 'invalidClientIdOrSecret', message: 'm' });
    expect(credentials.code).toBe('dingtalk.invalid_credentials');
  });

  it('hints at the trusted IP list for IpNotInWhiteList', () => {
    const error = failureOf('api', 'v1.0/contact/users/me', 403, { code: 'Forbidden.AccessDenied.IpNotInWhiteList' });
    expect(error.code).toBe('dingtalk.permission_denied');
    expect(error.details.hint).toMatch(/IP/);
  });
});

describe('non-DingTalk answers', () => {
  it('maps the 1111 JSON and an HTML page to ip_blocked (§6.3)', () => {
    const json = { status: 1111, wait: 5, source: 'x5', punish: 'deny', uuid: 'u-1' };
    expect(failureOf('oapi', 'topapi/v2/user/list', 200, json).code).toBe('dingtalk.ip_blocked');
    expect(failureOf('api', 'v1.0/oauth2/accessToken', 200, json).code).toBe('dingtalk.ip_blocked');
    expect(failureOf('oapi', 'topapi/v2/user/list', 200, '<!DOCTYPE html><html><body>denied</body></html>').code).toBe(
      'dingtalk.ip_blocked',
    );
  });

  it('maps a 5xx page to unavailable and a 404 page to bad_response', () => {
    expect(failureOf('oapi', 'topapi/v2/user/list', 502, '<html>Bad Gateway</html>').code).toBe('dingtalk.unavailable');
    const notFound = failureOf('oapi', 'topapi/v2/user/list', 404, 'Not Found');
    expect(notFound.code).toBe('dingtalk.bad_response');
    expect(notFound.message).toMatch(/base URL/);
  });

  it('keeps the zod issues of a success body that does not parse', () => {
    // §2: trust the types; a stringly-typed boolean is a broken answer, not data.
    const result = { userid: 'u1', unionid: 'un1', name: 'Ann', dept_id_list: [1], boss: 'true' };
    const body = JSON.stringify({ errcode: 0, result });
    let caught: unknown;
    try {
      readResponse('oapi', 'topapi/v2/user/get', 200, body, oapiResult(userDetailSchema));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DingTalkError);
    const error = caught as DingTalkError;
    expect(error.code).toBe('dingtalk.bad_response');
    expect(error.details.issues?.[0]?.path).toEqual(['result', 'boss']);
  });

  it('parses oapi JSON whatever the content type, and returns the typed value', () => {
    const text = JSON.stringify({ errcode: 0, errmsg: 'ok', result: { count: 3 }, request_id: 'r1' });
    expect(readResponse('oapi', 'topapi/user/count', 200, text, oapiResult(userCountSchema)).result.count).toBe(3);
  });
});
