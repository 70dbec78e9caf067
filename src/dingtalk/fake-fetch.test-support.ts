/**
 * A canned-answer `fetch` for the client's unit tests: the transport seam, not an emulator. Each route answers
 * from a function of the recorded request; every request is kept for assertions.
 */

export interface RecordedRequest {
  method: string;
  /** The URL's origin, to check which base URL was used. */
  origin: string;
  /** The API name: the path without leading slash. */
  api: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

export type Answer = { status?: number; body: unknown } | Promise<{ status?: number; body: unknown }>;
export type Route = (request: RecordedRequest, signal: AbortSignal | undefined) => Answer;

export interface FakeFetch {
  fetch: typeof fetch;
  requests: RecordedRequest[];
  /** Requests to one API. */
  to(api: string): RecordedRequest[];
}

/** Routes keyed by API name; an unknown API answers like oapi's unknown path (§2: errcode 404). */
export function fakeFetch(routes: Record<string, Route>): FakeFetch {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const text = typeof init?.body === 'string' ? init.body : undefined;
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      origin: url.origin,
      api: url.pathname.replace(/^\//, ''),
      query: Object.fromEntries(url.searchParams.entries()),
      headers,
      body: text === undefined ? undefined : (JSON.parse(text) as unknown),
    };
    requests.push(request);
    const route = routes[request.api];
    const answer = await (route === undefined
      ? { body: { errcode: 404, errmsg: '请求的URI地址不存在' } }
      : route(request, init?.signal ?? undefined));
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return new Response(body, {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json;charset=UTF-8' },
    });
  };
  return { fetch, requests, to: (api) => requests.filter((r) => r.api === api) };
}

/** A route that answers the items in order, repeating the last. */
export function sequence(...answers: Answer[]): Route {
  let next = 0;
  return () => answers[Math.min(next++, answers.length - 1)] ?? { body: {} };
}

/** The new-style token endpoint (§1.3) handing out `tok-1`, `tok-2`, … on each request. */
export function issuingTokens(expireIn = 7200): Route {
  let issued = 0;
  return () => ({ body: { accessToken: `tok-${++issued}`, expireIn } });
}

/** An oapi success envelope (§2). */
export function ok(result: unknown): { body: unknown } {
  return { body: { errcode: 0, errmsg: 'ok', result, request_id: 'req0000000001' } };
}

/** A route that never answers until the request is aborted (then rejects as fetch does). */
export function hanging(): Route {
  return (_request, signal) =>
    new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
}
