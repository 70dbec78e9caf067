/**
 * User readers (§4, §10.3) and writers (§5.4–5.6). All are `POST oapi/<path>?access_token=…` with a JSON body.
 */
import type { Language } from './departments-api.ts';
import { badResponseError } from './dingtalk-errors.ts';
import { postOapi, postOapiWrite, type CallOptions, type Transport } from './dingtalk-transport.ts';
import {
  codeUserInfoSchema,
  createdUserSchema,
  userByMobileSchema,
  userByUnionIdSchema,
  userCountSchema,
  userDetailSchema,
  userIdListSchema,
  userListPageSchema,
  type CodeUserInfo,
  type CreatedUser,
  type UserByUnionId,
  type UserDetail,
  type UserListPage,
} from './schemas.ts';
import { withCommaLists } from './comma-lists.ts';

/** §4.3 `order_field`; `custom` (user-defined order, else pinyin) is DingTalk's default. */
export type UserOrderField = 'entry_asc' | 'entry_desc' | 'modify_asc' | 'modify_desc' | 'custom';

export interface UserListQuery {
  deptId: number;
  /** 0 for the first page, then the previous page's `next_cursor`. Default 0. */
  cursor?: number;
  /** 1…100 (§4.3). Default 100. */
  size?: number;
  orderField?: UserOrderField;
  /** Include access-restricted employees. */
  containAccessLimit?: boolean;
  language?: Language;
}

/** `topapi/v2/user/create` parameters (§5.4); `dept_id_list` is an array here, a comma string on the wire. */
export interface UserCreateInput {
  /** ≤80 characters. */
  name: string;
  /** Unique in the org; `+xx-xxxxxx` outside mainland China. */
  mobile: string;
  /** ≤100 department ids. */
  dept_id_list: number[];
  /** 1–64 characters; DingTalk generates one when omitted. */
  userid?: string;
  hide_mobile?: boolean;
  telephone?: string;
  email?: string;
  org_email?: string;
  org_email_type?: string;
  login_email?: string;
  job_number?: string;
  title?: string;
  work_place?: string;
  remark?: string;
  /** Milliseconds since the epoch. */
  hired_date?: number;
  manager_userid?: string;
  senior_mode?: boolean;
  dept_order_list?: { dept_id: number; order: number }[];
  dept_title_list?: { dept_id: number; title: string }[];
  dept_position_list?: { dept_id: number; is_main?: boolean; title?: string; work_place?: string }[];
  /** Custom fields (they must exist in the admin console first): a JSON object or its text, ≤2000 characters. */
  extension?: string | Record<string, string>;
  extension_i18n?: unknown;
  exclusive_account?: boolean;
  exclusive_account_type?: 'sso' | 'dingtalk';
  login_id?: string;
  init_password?: string;
}

/** `topapi/v2/user/update` parameters (§5.5); `mobile` cannot be updated. */
export interface UserUpdateInput
  extends Partial<Omit<UserCreateInput, 'mobile' | 'userid' | 'login_email' | 'dept_title_list'>> {
  userid: string;
  /** 0 overwrites every custom field (the default: one field sent clears the others), 1 appends. */
  ext_attrs_update_mode?: 0 | 1;
  language?: Language;
  /** Currently `manager_userid`, to clear it. */
  force_update_fields?: string[];
}

const userCommaLists = ['dept_id_list', 'force_update_fields'] as const;

export interface UsersApi {
  /**
   * One page of a department's direct members with full details (§4.3).
   * @example
   * const { list, has_more, next_cursor } = await client.users.listPage({ deptId: 1, cursor: 0, size: 100 });
   */
  listPage(query: UserListQuery, options?: CallOptions): Promise<UserListPage>;
  /**
   * Every page of a department's direct members, 100 a page, following `next_cursor` until `has_more` is false.
   * @example
   * for await (const page of client.users.listAll(1)) for (const user of page.list) seen.add(user.userid);
   */
  listAll(
    deptId: number,
    options?: CallOptions & Omit<UserListQuery, 'deptId' | 'cursor' | 'size'>,
  ): AsyncGenerator<UserListPage>;
  /**
   * Userids of a department's direct members (§4.1); not paginated.
   * @example
   * const userids = await client.users.listIds(1);
   */
  listIds(deptId: number, options?: CallOptions): Promise<string[]>;
  /**
   * One user's details (§4.4); an unknown userid fails with `dingtalk.not_found`.
   * @example
   * const { unionid, dept_id_list } = await client.users.get('zhangsan');
   */
  get(userid: string, options?: CallOptions & { language?: Language }): Promise<UserDetail>;
  /**
   * unionid → userid (§4.5); someone outside the org fails with `dingtalk.not_found` (60121).
   * @example
   * const { userid, contact_type } = await client.users.getByUnionId(me.unionId);
   */
  getByUnionId(unionid: string, options?: CallOptions): Promise<UserByUnionId>;
  /**
   * A current employee by mobile number (§4.6).
   * @example
   * const { userid } = await client.users.getByMobile('13800000000');
   */
  getByMobile(mobile: string, options?: CallOptions): Promise<{ userid: string }>;
  /**
   * Members of the org; `onlyActive` counts only those who activated DingTalk (§4.7).
   * @example
   * const everyone = await client.users.count(false);
   */
  count(onlyActive: boolean, options?: CallOptions): Promise<number>;
  /**
   * Who opened the app from the workbench, from a single-use 5-minute `authCode` (§10.3). Never retried blindly.
   * @example
   * const { userid, unionid } = await client.users.getUserInfoByCode(authCode);
   */
  getUserInfoByCode(code: string, options?: CallOptions): Promise<CodeUserInfo>;
  /**
   * Creates a user (§5.4): `{userid, unionId}`. Not retried after a timeout or 5xx.
   * @example
   * const { userid, unionId } = await client.users.create({ name: '张三', mobile: '13800000000', dept_id_list: [2, 3] });
   */
  create(input: UserCreateInput, options?: CallOptions): Promise<CreatedUser>;
  /**
   * Updates a user (§5.5).
   * @example
   * await client.users.update({ userid: 'zhangsan', title: 'Engineer', dept_id_list: [2] });
   */
  update(input: UserUpdateInput, options?: CallOptions): Promise<void>;
  /**
   * Deletes a user (§5.6).
   * @example
   * await client.users.delete('zhangsan');
   */
  delete(userid: string, options?: CallOptions): Promise<void>;
}

/**
 * @example
 * const users = createUsersApi(transport.call);
 * const page = await users.listPage({ deptId: 1, cursor: 0, size: 100 });
 */
export function createUsersApi(call: Transport['call']): UsersApi {
  const listPage: UsersApi['listPage'] = (query, options = {}) =>
    postOapi(
      call,
      'topapi/v2/user/list',
      {
        dept_id: query.deptId,
        cursor: query.cursor ?? 0,
        size: query.size ?? 100,
        order_field: query.orderField,
        contain_access_limit: query.containAccessLimit,
        language: query.language,
      },
      userListPageSchema,
      options,
    );

  return {
    listPage,
    async *listAll(deptId, options = {}) {
      const { signal, ...query } = options;
      for (let cursor = 0; ; ) {
        const page = await listPage({ ...query, deptId, cursor, size: 100 }, { signal });
        yield page;
        if (!page.has_more) return;
        // A page that says "more" without a cursor that moves would loop for ever: that is a broken answer.
        if (page.next_cursor === undefined || page.next_cursor === cursor) {
          throw badResponseError('topapi/v2/user/list', 200, 'has_more is true but next_cursor does not advance');
        }
        cursor = page.next_cursor;
      }
    },
    listIds: async (deptId, options = {}) =>
      (await postOapi(call, 'topapi/user/listid', { dept_id: deptId }, userIdListSchema, options)).userid_list,
    get: (userid, options = {}) =>
      postOapi(call, 'topapi/v2/user/get', { userid, language: options.language }, userDetailSchema, options),
    getByUnionId: (unionid, options = {}) =>
      postOapi(call, 'topapi/user/getbyunionid', { unionid }, userByUnionIdSchema, options),
    getByMobile: (mobile, options = {}) =>
      postOapi(call, 'topapi/v2/user/getbymobile', { mobile }, userByMobileSchema, options),
    count: async (onlyActive, options = {}) =>
      (await postOapi(call, 'topapi/user/count', { only_active: onlyActive }, userCountSchema, options)).count,
    // The code is single-use (§10.3): a retry after a lost answer would fail with 40078, so it is not idempotent.
    getUserInfoByCode: (code, options = {}) =>
      postOapi(call, 'topapi/v2/user/getuserinfo', { code }, codeUserInfoSchema, { ...options, idempotent: false }),
    create: (input, options = {}) =>
      postOapi(call, 'topapi/v2/user/create', withCommaLists(input, userCommaLists), createdUserSchema, {
        ...options,
        idempotent: false,
      }),
    update: (input, options = {}) =>
      postOapiWrite(call, 'topapi/v2/user/update', withCommaLists(input, userCommaLists), options),
    delete: (userid, options = {}) => postOapiWrite(call, 'topapi/v2/user/delete', { userid }, options),
  };
}
