/**
 * The few HTML pages of sign-in: the DingTalk choice, refusals, the workbench 免登 page. Server-rendered, no
 * external assets (the server may have no internet), every value escaped.
 */

const STYLE =
  'body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f4f6f9;margin:0}' +
  'main{max-width:26rem;margin:10vh auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px rgba(0,0,0,.08)}' +
  'h1{font-size:1.4rem;margin:0 0 1rem}a.button,button{display:block;width:100%;box-sizing:border-box;text-align:center;' +
  'padding:.75rem;margin:.5rem 0;border:0;border-radius:8px;background:#1677ff;color:#fff;font-size:1rem;text-decoration:none;cursor:pointer}' +
  'p.muted{color:#667085;font-size:.9rem}';

/**
 * A whole page around `body` (already HTML).
 *
 * @example
 * reply.type('text/html').send(renderPage({ title: 'Sign in', body: '<p>…</p>' }));
 */
export function renderPage(input: { title: string; body: string; script?: string }): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(input.title)} · Dingbridge</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${escapeHtml(input.title)}</h1>${input.body}</main>` +
    (input.script === undefined ? '' : `<script>${input.script}</script>`) +
    `</body></html>`
  );
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `/login`: one button per binding offering QR sign-in, or who is signed in. */
export function loginPage(input: {
  bindings: { id: string; name: string }[];
  returnTo: string;
  signedInAs?: string;
}): string {
  if (input.signedInAs !== undefined) {
    return renderPage({
      title: 'Signed in',
      body:
        `<p data-testid="signed-in">Signed in as <strong>${escapeHtml(input.signedInAs)}</strong>.</p>` +
        `<form method="post" action="/logout"><button type="submit" data-testid="sign-out">Sign out</button></form>`,
    });
  }
  const returnTo = encodeURIComponent(input.returnTo);
  const buttons = input.bindings
    .map(
      (binding) =>
        `<a class="button" data-testid="sign-in-dingtalk" data-binding="${escapeHtml(binding.id)}" ` +
        `href="/login/dingtalk/${encodeURIComponent(binding.id)}?return_to=${returnTo}">Sign in with DingTalk · ${escapeHtml(binding.name)}</a>`,
    )
    .join('');
  return renderPage({
    title: 'Sign in',
    body:
      buttons === ''
        ? '<p data-testid="no-sign-in">No organization offers DingTalk sign-in yet. An administrator enables it with <code>dingbridge bindings update &lt;id&gt; --login qr</code>.</p>'
        : `${buttons}<p class="muted">You will scan a QR code with the DingTalk app.</p>`,
  });
}

/** A refusal or failure, with what to do next. */
export function refusalPage(input: { code: string; message: string; status: number }): string {
  return renderPage({
    title: input.status >= 500 ? 'Sign-in is not available right now' : 'You cannot sign in',
    body:
      `<p data-testid="login-refused" data-code="${escapeHtml(input.code)}">${escapeHtml(input.message)}</p>` +
      `<p class="muted">Reason: <code>${escapeHtml(input.code)}</code></p><a class="button" href="/login">Back to sign-in</a>`,
  });
}

/**
 * The workbench homepage (§10.3): inside DingTalk, `dd.requestAuthCode` gives a 5-minute single-use code, and the page
 * reloads itself with `?code=`; the server exchanges it and signs the person in with no click. `dd` comes from
 * DingTalk's `dingtalk-jsapi` bundle when the operator serves it; without it the page says to open it in DingTalk.
 */
export function workbenchPage(input: { corpId: string; clientId: string }): string {
  const params = JSON.stringify({ corpId: input.corpId, clientId: input.clientId }).replace(/</g, '\\u003c');
  return renderPage({
    title: 'Signing you in…',
    body: '<p data-testid="workbench-wait">Signing you in with DingTalk…</p><p class="muted" id="hint" hidden>Open this page from the DingTalk workbench.</p>',
    script:
      `(function(){var p=${params};var dd=window.dd;` +
      `if(!dd||!dd.requestAuthCode){document.getElementById('hint').hidden=false;return;}` +
      `dd.requestAuthCode({corpId:p.corpId,clientId:p.clientId,onSuccess:function(r){var u=new URL(location.href);` +
      `u.searchParams.set('code',r.code);location.replace(u.toString());},onFail:function(){document.getElementById('hint').hidden=false;}});})();`,
  });
}
