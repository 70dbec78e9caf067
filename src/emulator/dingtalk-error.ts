/**
 * A DingTalk business error as the organization store and the method handlers raise it: an oapi `errcode` and its
 * `errmsg` (§6). The wire layers turn it into their family's envelope (oapi: HTTP 200 + errcode; api: HTTP status +
 * code), so the rules of the address book are written once, in DingTalk's own numbers.
 *
 * @example
 * throw dingTalkError(60003);                       // { errcode: 60003, errmsg: '部门不存在' }
 * throw dingTalkError(40035, '缺少参数 dept_id');
 */
export class DingTalkError extends Error {
  readonly errcode: number;
  /** Set for errors DingTalk wraps as `errcode 88` + string `sub_code` on `/topapi/*` (§2). */
  readonly wrapped: boolean;

  constructor(errcode: number, errmsg: string, options: { wrapped?: boolean } = {}) {
    super(errmsg);
    this.name = 'DingTalkError';
    this.errcode = errcode;
    this.wrapped = options.wrapped ?? false;
  }
}

/**
 * Default messages by errcode. Sources: §3–§6 of dingtalk-api.md and the global error table they cite; where the
 * reference gives only a meaning, the message is a plain Chinese statement of it.
 */
export const ERRMSG: Readonly<Record<number, string>> = {
  [-1]: '系统繁忙',
  33012: '无效的userId',
  40009: '不合法的部门id',
  40011: '不合法的排序值',
  40014: '不合法的access_token',
  40031: '不存在的userId',
  40035: '不合法的参数',
  40068: '不合法的偏移量',
  40069: '不合法的分页大小',
  40093: '不合法的群主',
  40096: '不合法的appKey或appSecret',
  40100: '分机号已经存在',
  40104: '无效的手机号',
  41001: '缺少access_token参数',
  50002: '员工不在授权范围',
  50004: '部门不在授权范围',
  60001: '不合法的部门名称',
  60003: '部门不存在',
  60004: '父部门不存在',
  60005: '部门下存在员工，不能删除',
  60006: '部门下存在子部门，不能删除',
  60007: '根部门不能删除',
  60008: '父部门下该部门名称已存在',
  60010: '部门在父部门的层级关系中存在循环',
  60011: '没有调用该接口的权限',
  60018: '根部门不能修改',
  60102: 'UserID在公司中已存在',
  60103: '手机号码不合法',
  60104: '手机号码在公司中已存在',
  60105: '邮箱不合法',
  60106: '邮箱已存在',
  60112: '用户姓名不合法',
  60121: '找不到该用户',
  60123: '工号不合法',
  400002: '无效的参数',
};

export function dingTalkError(errcode: number, errmsg?: string): DingTalkError {
  return new DingTalkError(errcode, errmsg ?? ERRMSG[errcode] ?? '系统繁忙');
}

/** The message of an injected fault: DingTalk's for a known code, else one that says it was injected. */
export function faultMessage(errcode: number): string {
  return ERRMSG[errcode] ?? `emulated fault ${errcode}`;
}
