/**
 * QR login's browser side (§10.1 steps 1–2) on the emulator's base URL, which stands for `login.dingtalk.com`:
 *
 * - `GET /oauth2/auth?redirect_uri&response_type=code&client_id&scope=openid[ corpid]&state&prompt=consent` checks the
 *   request and shows the pick page (members, searchable with `q`; strangers; cancel);
 * - `POST /oauth2/auth` (the page's form) issues a single-use 5-minute code for the person picked and redirects
 *   302 to `redirect_uri?code=X&authCode=X&state=S`, or on cancel to `redirect_uri?error=access_denied&state=S`.
 *
 * A request the emulator cannot serve (unknown client_id, missing or disallowed redirect_uri, response_type other
 * than `code`, scope without `openid`) gets an HTML error page (HTTP 400) and never a redirect: the redirect URL
 * of such a request cannot be trusted. Nothing here is counted or rate-limited: it is a page, not an API call.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorApp } from './app-registry.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { renderLoginError, renderLoginPage, PAGE_HEADERS, type PagePerson } from './login-page.ts';
import { memberForLogin, type LoginPerson } from './login-person.ts';
import { checkRedirectUri, MAX_REDIRECT_URI_LENGTH, redirectTarget } from './oauth-redirect.ts';
import type { OrgStore } from './org-store.ts';
import { bodyOf, isRecord } from './request-body.ts';

/** Members shown at once; the rest are found with the search box. */
export const PAGE_SIZE = 50;

/** §10.1 step 1. Other DingTalk parameters (org_type, corpId, exclusiveLogin, …) are accepted and ignored. */
const authorizeParams = z.object({
  client_id: z.string().min(1).max(128),
  redirect_uri: z.string().min(1).max(MAX_REDIRECT_URI_LENGTH),
  response_type: z.literal('code'),
  scope: z.string().min(1).max(200),
  state: z.string().max(2048).optional(),
  // Required by DingTalk ("consent"); any value is accepted here, a missing one too.
  prompt: z.string().max(64).optional(),
  q: z.string().max(100).optional(),
});

type AuthorizeParams = z.output<typeof authorizeParams>;

const MESSAGES: Readonly<Record<string, string>> = {
  client_id: '缺少或不合法的 client_id',
  redirect_uri: '缺少或不合法的 redirect_uri',
  response_type: 'response_type 必须为 code',
  scope: 'scope 必须为 openid 或 "openid corpid"',
  state: 'state 不合法（最多 2048 个字符）',
  prompt: 'prompt 不合法',
  q: '搜索词不合法（最多 100 个字符）',
};

/** What the pick form adds to the request's parameters. */
const pickFields = z.object({
  userid: z.string().min(1).max(64).optional(),
  stranger: z.string().min(1).max(64).optional(),
  cancel: z.string().max(8).optional(),
});

interface Authorization {
  params: AuthorizeParams;
  app: EmulatorApp;
  redirect: URL;
  /** Scope `openid corpid` (the token answer then carries corpId). */
  corpScope: boolean;
}

type Checked = { ok: true; value: Authorization } | { ok: false; message: string };

export function registerAuthorizeRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.get('/oauth2/auth', (request, reply) => showPage(context, request, reply));
  app.post('/oauth2/auth', (request, reply) => pick(context, request, reply));
}

/** Checks an authorization request in the order a reader of the error page fixes it. */
function checkAuthorization(context: EmulatorContext, raw: unknown): Checked {
  const parsed = authorizeParams.safeParse(isRecord(raw) ? raw : {});
  if (!parsed.success) return { ok: false, message: MESSAGES[String(parsed.error.issues[0]?.path[0])] ?? '请求参数不合法' };
  const params = parsed.data;
  const app = context.apps.get(params.client_id);
  if (!app) return { ok: false, message: `未知的应用：client_id ${params.client_id} 不是本组织的应用` };
  const redirect = checkRedirectUri(params.redirect_uri, context.login.redirectUrisOf(app.appKey));
  if (!redirect.ok) return { ok: false, message: redirect.message };
  // "openid" or "openid corpid", space-separated (a doubly encoded "+" is read as a space too).
  const scopes = params.scope.split(/[\s+]+/).filter((s) => s !== '');
  if (!scopes.includes('openid') || scopes.some((s) => s !== 'openid' && s !== 'corpid')) {
    return { ok: false, message: MESSAGES.scope as string };
  }
  return { ok: true, value: { params, app, redirect: redirect.url, corpScope: scopes.includes('corpid') } };
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).send(html);
}

function showPage(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const checked = checkAuthorization(context, request.query);
  if (!checked.ok) return sendPage(reply, 400, renderLoginError(checked.message));
  const { params, app } = checked.value;
  const query = (params.q ?? '').trim();
  const { people, total } = findMembers(context.org, query);
  const html = renderLoginPage({
    corpName: context.org.corpName,
    clientId: app.appKey,
    carry: carried(params),
    query,
    people,
    total,
    strangers: context.login.strangers.map((s) => ({ unionid: s.unionid, nick: s.nick })),
  });
  return sendPage(reply, 200, html);
}

function pick(context: EmulatorContext, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = bodyOf(request);
  const fields = body.kind === 'form' || (body.kind === 'json' && isRecord(body.value)) ? body.value : undefined;
  if (!fields) return sendPage(reply, 400, renderLoginError('请从登录页提交表单（application/x-www-form-urlencoded）'));
  const checked = checkAuthorization(context, fields);
  if (!checked.ok) return sendPage(reply, 400, renderLoginError(checked.message));
  const { params, app, redirect, corpScope } = checked.value;
  const choice = pickFields.safeParse(fields);
  if (!choice.success) return sendPage(reply, 400, renderLoginError('所选成员不合法'));
  const { userid, stranger, cancel } = choice.data;
  // §10.1 step 2: on failure the query is `?error=<msg>&state=<state>`; the emulator's message is OAuth 2's name.
  if (cancel !== undefined) return reply.redirect(redirectTarget(redirect, { error: 'access_denied', state: params.state }), 302);
  let person: LoginPerson | undefined;
  if (userid !== undefined) {
    const member = memberForLogin(context.org, userid, context.corpId);
    if ('refusal' in member) return sendPage(reply, 400, renderLoginError(member.refusal));
    person = member.person;
  } else if (stranger !== undefined) {
    person = context.login.stranger(stranger);
  }
  if (!person) return sendPage(reply, 400, renderLoginError('请选择一位成员或陌生人，或取消登录'));
  const code = context.login.authCodes.issue({ clientId: app.appKey, person, corpScope }, context.clock.now());
  // §10.1 step 2: both `code` and `authCode`, the same value, and `state` unchanged.
  return reply.redirect(redirectTarget(redirect, { code, authCode: code, state: params.state }), 302);
}

/** The request's own parameters, to carry through the page's forms (not the search term). */
function carried(params: AuthorizeParams): Record<string, string> {
  const { q: _query, ...rest } = params;
  return Object.fromEntries(Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Active members whose name, userid or main department contains the query; the first PAGE_SIZE and the count. */
export function findMembers(org: OrgStore, query: string): { people: PagePerson[]; total: number } {
  const needle = query.toLowerCase();
  const people: PagePerson[] = [];
  let total = 0;
  for (const user of org.users()) {
    if (!user.active) continue;
    const dept = org.department(user.mainDeptId)?.name ?? '';
    if (needle !== '' && ![user.name, user.userid, dept].some((text) => text.toLowerCase().includes(needle))) continue;
    total += 1;
    if (people.length < PAGE_SIZE) people.push({ userid: user.userid, name: user.name, dept, title: user.title });
  }
  return { people, total };
}
