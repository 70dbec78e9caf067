/**
 * The `redirect_uri` of QR login (§10.1 steps 1–2): which URLs an app may send people back to, and how the code
 * (or the error) is added to it.
 *
 * DingTalk requires the redirect URL configured in the developer console (开发配置 → 安全设置, §10.1 step 1). The
 * emulator's console is `PUT /_emulator/apps/:appKey/login {redirectUris}`: a URL matches a configured one with the
 * same origin and path (its query may differ). With nothing configured any loopback URL is allowed, so that a
 * local product works without setup.
 *
 * @example
 * const checked = checkRedirectUri('http://127.0.0.1:3000/cb?x=1', undefined); // { ok: true, url }
 * redirectTarget(checked.url, { code: 'abc', authCode: 'abc', state: 's' });  // 'http://127.0.0.1:3000/cb?x=1&code=abc&…'
 */

export type RedirectCheck = { ok: true; url: URL } | { ok: false; message: string };

/** At most this long: the whole login URL must stay a URL browsers accept. */
export const MAX_REDIRECT_URI_LENGTH = 2048;

/** A usable absolute http(s) URL without credentials or fragment (RFC 6749 §3.1.2 forbids fragments). */
export function parseRedirectUri(raw: string): RedirectCheck {
  if (raw.length > MAX_REDIRECT_URI_LENGTH) return { ok: false, message: `redirect_uri 过长（最多 ${MAX_REDIRECT_URI_LENGTH} 个字符）` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'redirect_uri 不是合法的绝对 URL（需以 http:// 或 https:// 开头）' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: 'redirect_uri 只能是 http 或 https 地址' };
  if (url.username !== '' || url.password !== '') return { ok: false, message: 'redirect_uri 不能包含用户名或密码' };
  if (url.hash !== '' || raw.includes('#')) return { ok: false, message: 'redirect_uri 不能包含 #片段' };
  return { ok: true, url };
}

export function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Whether `raw` may be used by an app whose configured redirect URLs are `configured` (undefined: loopback only). */
export function checkRedirectUri(raw: string, configured: readonly string[] | undefined): RedirectCheck {
  const parsed = parseRedirectUri(raw);
  if (!parsed.ok) return parsed;
  const { url } = parsed;
  if (configured === undefined) {
    return isLoopback(url)
      ? parsed
      : { ok: false, message: 'redirect_uri 与应用配置的回调地址不一致（未配置时只允许本机地址；用 PUT /_emulator/apps/:appKey/login 配置）' };
  }
  const matches = configured.some((entry) => {
    const allowed = new URL(entry);
    return allowed.origin === url.origin && allowed.pathname === url.pathname;
  });
  return matches ? parsed : { ok: false, message: 'redirect_uri 与应用配置的回调地址不一致' };
}

/**
 * §10.1 step 2: the redirect URL with the given parameters set (`code` + `authCode` + `state`, or `error` +
 * `state`); parameters whose value is undefined are left out (no `state` when none was given).
 */
export function redirectTarget(url: URL, params: Record<string, string | undefined>): string {
  const target = new URL(url.href);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) target.searchParams.set(name, value);
  return target.href;
}
