import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEmulator, type TestEmulator } from './emulator-testing.ts';
import { OAPI_METHODS } from './oapi-routes.ts';

let emulator: TestEmulator;
let token: string;
beforeAll(async () => {
  emulator = await testEmulator({ seed: 'garbage', users: 80 });
  token = await emulator.token();
});
afterAll(async () => emulator.close());

const PATHS = [
  ...OAPI_METHODS.map((m) => `/${m.api}`),
  '/gettoken',
  '/auth/scopes',
  '/v1.0/oauth2/accessToken',
  '/v1.0/oauth2/dingx/token',
  '/v1.0/anything',
  '/topapi/unknown',
  '/_emulator/reset',
  '/_emulator/faults',
  '/_emulator/apps',
  '/_emulator/clock',
];

const FIELDS = ['dept_id', 'cursor', 'size', 'userid', 'unionid', 'mobile', 'name', 'parent_id', 'dept_id_list', 'only_active', 'order_field', 'dept_order_list', 'extension', 'order', 'appKey', 'appSecret'];
const VALUES: unknown[] = [
  null, true, -1, 0, 1e308, -1e308, 2 ** 63, 1.5, '', ' ', 'abc', '1,2,,x', '[1,', '{"a":', '__proto__',
  [], [1, 'a', null], [[[]]], {}, { __proto__: { polluted: true } }, 'x'.repeat(70_000), '你好-，,', '\u0000\uffff',
];

/** JSON bodies that put each garbage value in every field at once, plus raw texts that are not JSON at all. */
const BODIES: { text: string; type: string }[] = [
  ...VALUES.map((value) => ({ text: JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, value]))), type: 'application/json' })),
  ...['{"dept_id":12345678901234567890,"size":1e999,"cursor":-0}', '{', '[1,2]', '"text"', '42', 'null', '{"dept_id":1', '\u0000', '{"a":1}{"b":2}'].map((text) => ({ text, type: 'application/json' })),
  { text: 'dept_id=1&dept_id=2&size=x&cursor[]=1&__proto__[a]=1&access_token=', type: 'application/x-www-form-urlencoded' },
  { text: '%E4%zz=%%%&=&&', type: 'application/x-www-form-urlencoded' },
  { text: '<xml/>', type: 'text/xml' },
  { text: '{"dept_id":1}', type: 'text/plain' },
  { text: 'x'.repeat(9 * 1024 * 1024), type: 'application/json' },
];

function expectNoFailure(reply: { status: number; text: string; body: Record<string, unknown> }, label: string): void {
  expect(reply.status, label).toBeLessThan(500);
  expect(reply.text, label).not.toMatch(/\bat \S+ \(|node_modules|stack/i);
  expect(Object.keys(reply.body).length, `${label}: ${reply.text.slice(0, 200)}`).toBeGreaterThan(0);
}

describe('garbage input never breaks the emulator', () => {
  it('answers every route and body with a well-formed error or success, never a 500 or a stack', async () => {
    for (const path of PATHS) {
      for (const { text, type } of BODIES) {
        const label = `${path} ${type} ${text.slice(0, 40)}`;
        expectNoFailure(await emulator.request('POST', `${path}?access_token=${token}`, text, { 'content-type': type }), label);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it('survives odd URLs, methods and query strings', async () => {
    const urls = [
      '/topapi/v2/user/get?access_token=a&access_token=b&userid=1&userid=2',
      `/topapi/v2/user/list?access_token=${token}&dept_id=1&cursor=0&size=10&size=20`,
      '/topapi/v2/user/get?access_token[]=x',
      '/%E0%A4%A',
      '/topapi/%zz',
      '/gettoken?appkey[]=1&appsecret={}',
      `/v1.0/oauth2/${'x'.repeat(5000)}/token`,
      '/_emulator/org/users/%00',
      '//topapi//v2/user/get',
      '/?' + 'a=1&'.repeat(5000),
    ];
    for (const url of urls) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        expectNoFailure(await emulator.request(method, url, method === 'GET' ? undefined : '{}', { 'content-type': 'application/json' }), `${method} ${url.slice(0, 60)}`);
      }
    }
  }, 60_000);
});
