/**
 * In-process helpers for the emulator's own tests: an emulator on a manual clock, called through Fastify's
 * `inject` (no sockets), with the three oapi body encodings of §2 one argument apart.
 */
import { manualClock, type ManualClock } from '../core/index.ts';
import { createEmulator, type Emulator, type EmulatorOptions } from './emulator-server.ts';

/** §2: typed JSON, JSON with every scalar as a string (old Java SDK), and form-urlencoded. */
export type Encoding = 'json' | 'strings' | 'form';

export const ENCODINGS: readonly Encoding[] = ['json', 'strings', 'form'];

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
  text: string;
}

export interface TestEmulator extends Emulator {
  clock: ManualClock;
  appKey: string;
  appSecret: string;
  /** A fresh oapi token of the primary app (or of `appKey`). */
  token(appKey?: string, appSecret?: string): Promise<string>;
  /** POSTs `params` to an oapi path with `?access_token=` (unless `token` is null) in the given encoding. */
  oapi(path: string, params?: Record<string, unknown>, options?: { encoding?: Encoding; token?: string | null }): Promise<Reply>;
  /** Any request, body sent as JSON when it is an object. */
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

/** The clock stands still unless a test moves it, so the rate window is off (qps 0) unless a test sets it. */
export async function testEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const clock = manualClock(Date.UTC(2026, 5, 1));
  const emulator = createEmulator({ clock, qps: 0, ...options });
  await emulator.app.ready();
  const primary = emulator.context.apps.primary;
  const request = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const contentType = body === undefined || typeof body === 'string' ? {} : { 'content-type': 'application/json' };
    const response = await emulator.app.inject({
      method: method as 'GET',
      url,
      ...(payload === undefined ? {} : { payload }),
      headers: { ...contentType, ...headers },
    });
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(response.body) as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    return { status: response.statusCode, headers: response.headers, body: parsed, text: response.body };
  };
  const token = async (appKey = primary.appKey, appSecret = primary.appSecret): Promise<string> => {
    const reply = await request('GET', `/gettoken?appkey=${encodeURIComponent(appKey)}&appsecret=${encodeURIComponent(appSecret)}`);
    if (typeof reply.body.access_token !== 'string') throw new Error(`gettoken failed: ${reply.text}`);
    return reply.body.access_token;
  };
  let cached: string | undefined;
  return {
    ...emulator,
    clock,
    appKey: primary.appKey,
    appSecret: primary.appSecret,
    token,
    request,
    async oapi(path, params = {}, { encoding = 'json', token: given } = {}) {
      const accessToken = given === undefined ? (cached ??= await token()) : given;
      const url = accessToken === null ? path : `${path}?access_token=${encodeURIComponent(accessToken)}`;
      if (encoding === 'form') {
        const form = new URLSearchParams();
        for (const [key, value] of Object.entries(params)) {
          form.set(key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
        }
        return request('POST', url, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
      }
      const body = encoding === 'strings' ? stringify(params) : params;
      return request('POST', url, JSON.stringify(body), { 'content-type': 'application/json' });
    },
    close: () => emulator.app.close(),
  };
}

/** What the old Java SDK sends: every scalar as a string, arrays and objects as they are (§2). */
function stringify(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => [key, typeof value === 'object' && value !== null ? value : String(value)]),
  );
}

export const REQUEST_ID = /^[a-z0-9]{12,13}$/;
