/**
 * The emulator's stand-in for DingTalk's QR login page (§10.1 step 1): instead of scanning a code with the DingTalk
 * app, the tester picks who logs in — a member of the organization, or a stranger — or cancels.
 *
 * Plain server-rendered HTML with a small inline style shaped like DingTalk's login card; no script, so the
 * Content-Security-Policy forbids all of it. Every text and attribute value goes through {@link escapeHtml}.
 * Stable hooks for browser tests: `#q` (search), `[data-testid=pick-user][data-userid=…]`,
 * `[data-testid=pick-stranger][data-unionid=…]`, `#cancel`, `[data-testid=login-error]`.
 *
 * @example
 * reply.type('text/html; charset=utf-8').send(renderLoginPage(model));
 */

export interface PagePerson {
  userid: string;
  name: string;
  /** Name of the person's main department. */
  dept: string;
  title: string | undefined;
}

export interface PageStranger {
  unionid: string;
  nick: string;
}

export interface LoginPageModel {
  corpName: string;
  clientId: string;
  /** The authorization request's parameters, carried through the search and pick forms unchanged. */
  carry: Readonly<Record<string, string>>;
  query: string;
  people: readonly PagePerson[];
  /** How many members match the query (more than `people` when the list is cut). */
  total: number;
  strangers: readonly PageStranger[];
}

/** Security headers of every login page: no script, no framing restrictions (DingTalk's QR page is embeddable). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;padding:48px 16px;
background:#f2f3f5;font:14px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#171a1d}
.card{width:100%;max-width:440px;background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08);padding:28px}
header{text-align:center;margin-bottom:20px}
.brand{width:48px;height:48px;margin:0 auto 8px;border-radius:12px;background:#0089ff;color:#fff;font-size:26px;
font-weight:600;line-height:48px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:13px;font-weight:500;color:#747677;margin:20px 0 8px}
.sub{margin:0;color:#747677;font-size:13px}
label{display:block;font-size:13px;color:#474a4d;margin-bottom:6px}
.row{display:flex;gap:8px}
input[type=search]{flex:1;min-width:0;padding:8px 12px;border:1px solid #d7d8d9;border-radius:8px;font:inherit}
input[type=search]:focus,button:focus-visible{outline:2px solid #0089ff;outline-offset:1px}
button{font:inherit;cursor:pointer}
.search{padding:8px 16px;border:0;border-radius:8px;background:#0089ff;color:#fff}
.count{margin:0 0 8px;color:#a2a3a4;font-size:12px}
ul{list-style:none;margin:0;padding:0;max-height:360px;overflow:auto}
.person{display:flex;align-items:center;gap:12px;width:100%;padding:8px;border:0;border-radius:8px;background:none;
text-align:left}
.person:hover{background:#f0f7ff}
.avatar{flex:none;width:36px;height:36px;border-radius:50%;background:#0089ff;color:#fff;font-size:12px;
line-height:36px;text-align:center}
.stranger .avatar{background:#a2a3a4}
.who{display:flex;flex-direction:column;min-width:0}
.name{font-weight:500}
.meta{color:#747677;font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.empty{color:#a2a3a4;padding:8px}
.cancel{width:100%;margin-top:20px;padding:8px;border:1px solid #d7d8d9;border-radius:8px;background:#fff;color:#474a4d}
.error{color:#ff5219}
code{font-size:12px;background:#f2f3f5;border-radius:4px;padding:0 4px;word-break:break-all}
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main class="card" aria-labelledby="title">
<header><div class="brand" aria-hidden="true">钉</div>${body}
</main>
</body>
</html>
`;
}

function hiddenFields(carry: Readonly<Record<string, string>>): string {
  return Object.entries(carry)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

/** DingTalk's avatars without a photo show the last two characters of the name. */
function initials(name: string): string {
  return escapeHtml([...name].slice(-2).join(''));
}

function personButton(person: PagePerson): string {
  const meta = [person.dept, person.title, `userid ${person.userid}`].filter((part) => part !== undefined && part !== '').join(' · ');
  return `<li><button type="submit" class="person" name="userid" value="${escapeHtml(person.userid)}" data-testid="pick-user" data-userid="${escapeHtml(person.userid)}">
<span class="avatar" aria-hidden="true">${initials(person.name)}</span><span class="who"><span class="name">${escapeHtml(person.name)}</span><span class="meta">${escapeHtml(meta)}</span></span></button></li>`;
}

function strangerButton(stranger: PageStranger): string {
  return `<li class="stranger"><button type="submit" class="person" name="stranger" value="${escapeHtml(stranger.unionid)}" data-testid="pick-stranger" data-unionid="${escapeHtml(stranger.unionid)}">
<span class="avatar" aria-hidden="true">${initials(stranger.nick)}</span><span class="who"><span class="name">${escapeHtml(stranger.nick)}</span><span class="meta">非本组织成员 · unionid ${escapeHtml(stranger.unionid)}</span></span></button></li>`;
}

export function renderLoginPage(model: LoginPageModel): string {
  const shown = model.people.length;
  const count =
    model.total === 0
      ? '没有匹配的成员'
      : shown < model.total
        ? `共 ${model.total} 人匹配，显示前 ${shown} 人；请搜索以缩小范围`
        : `共 ${model.total} 人`;
  const people = shown === 0 ? '<li class="empty">没有匹配的成员</li>' : model.people.map(personButton).join('\n');
  return layout(
    '钉钉登录 · DingTalk 模拟器',
    `<h1 id="title">扫码登录</h1>
<p class="sub">模拟扫码：选择以谁的身份登录 <strong>${escapeHtml(model.corpName)}</strong> 的应用 <code>${escapeHtml(model.clientId)}</code></p>
</header>
<form method="get" action="/oauth2/auth" role="search" data-testid="search-form">
${hiddenFields(model.carry)}
<label for="q">搜索成员（姓名、部门或 userid）</label>
<div class="row"><input id="q" name="q" type="search" value="${escapeHtml(model.query)}" autocomplete="off" data-testid="search-input"><button type="submit" class="search">搜索</button></div>
</form>
<form method="post" action="/oauth2/auth" data-testid="pick-form">
${hiddenFields(model.carry)}
<h2 id="members-heading">本组织成员</h2>
<p class="count" data-testid="member-count">${escapeHtml(count)}</p>
<ul id="members" aria-labelledby="members-heading">
${people}
</ul>
<h2 id="strangers-heading">非本组织成员（用于测试成员校验）</h2>
<ul id="strangers" aria-labelledby="strangers-heading">
${model.strangers.map(strangerButton).join('\n')}
</ul>
<button type="submit" id="cancel" class="cancel" name="cancel" value="1" data-testid="cancel">取消登录</button>
</form>`,
  );
}

/** The page for a request the emulator cannot serve (unknown app, disallowed redirect URL, bad parameters). */
export function renderLoginError(message: string): string {
  return layout(
    '无法登录 · DingTalk 模拟器',
    `<h1 id="title">无法登录</h1>
</header>
<p class="error" role="alert" data-testid="login-error">${escapeHtml(message)}</p>
<p class="sub">请检查登录链接的 client_id、redirect_uri、response_type=code 与 scope=openid（dingtalk-api.md §10.1）。</p>`,
  );
}
