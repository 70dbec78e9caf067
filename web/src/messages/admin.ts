/** Messages of signing in to the console with DingTalk and of who is signed in (issue 8). */
export const en = {
  'admin.dingtalk': 'Sign in with DingTalk',
  'admin.dingtalkOf': 'Sign in with DingTalk · {name}',
  'admin.dingtalkHelp': 'For console administrators: scan the QR code with the DingTalk app.',
  'admin.or': 'or with the admin token',
  'admin.exchanging': 'Signing you in…',
  'admin.notAdminTitle': 'Your account is not a console administrator',
  'admin.notAdmin':
    '{name} signed in with DingTalk, but only console administrators may use the console. Ask an administrator to grant the role:',
  'admin.signedInAs': 'Signed in as {name}',
  'admin.tokenName': 'Admin token “{name}”',
};

export const zh: Record<keyof typeof en, string> = {
  'admin.dingtalk': '使用钉钉登录',
  'admin.dingtalkOf': '使用钉钉登录 · {name}',
  'admin.dingtalkHelp': '适用于控制台管理员：请使用钉钉 App 扫码登录。',
  'admin.or': '或使用管理员令牌登录',
  'admin.exchanging': '正在登录…',
  'admin.notAdminTitle': '您的账号不是控制台管理员',
  'admin.notAdmin': '{name}已通过钉钉登录，但只有控制台管理员才能使用控制台。请联系管理员为您授予该角色：',
  'admin.signedInAs': '当前登录：{name}',
  'admin.tokenName': '管理员令牌“{name}”',
};
