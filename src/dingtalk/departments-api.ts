/**
 * Department readers (§3) and writers (§5.1–5.3). All are `POST oapi/<path>?access_token=…` with a JSON body.
 */
import { z } from 'zod';
import { postOapi, postOapiWrite, type CallOptions, type Transport } from './dingtalk-transport.ts';
import {
  createdDepartmentSchema,
  departmentDetailSchema,
  departmentSchema,
  deptIdListSchema,
  parentIdListSchema,
  parentListSchema,
  type CreatedDepartment,
  type Department,
  type DepartmentDetail,
} from './schemas.ts';
import { withCommaLists } from './comma-lists.ts';

export type Language = 'zh_CN' | 'en_US';

/** `topapi/v2/department/create` parameters (§5.1); list fields are arrays here, comma strings on the wire. */
export interface DepartmentCreateInput {
  /** 1–64 characters, without `-`, `，` or `,`. */
  name: string;
  /** 1 = root. */
  parent_id: number;
  hide_dept?: boolean;
  dept_permits?: number[];
  user_permits?: string[];
  outer_dept?: boolean;
  outer_dept_only_self?: boolean;
  outer_permit_users?: string[];
  outer_permit_depts?: number[];
  create_dept_group?: boolean;
  auto_approve_apply?: boolean;
  /** Smaller sorts first. */
  order?: number;
  /** Your own external key. */
  source_identifier?: string;
}

/** `topapi/v2/department/update` parameters (§5.2); what is not sent keeps its value. */
export interface DepartmentUpdateInput extends Partial<Omit<DepartmentCreateInput, 'parent_id' | 'name'>> {
  dept_id: number;
  parent_id?: number;
  name?: string;
  language?: Language;
  /** Department code, ≤30 characters, settable only here. */
  code?: string;
  auto_add_user?: boolean;
  group_contain_sub_dept?: boolean;
  group_contain_outer_dept?: boolean;
  group_contain_hidden_dept?: boolean;
  org_dept_owner?: string;
  dept_manager_userid_list?: string[];
  /** Currently only `dept_manager_userid_list`, to clear it. */
  force_update_fields?: string[];
}

/** §5.1/§5.2: these lists travel as comma-separated strings. */
const departmentCommaLists = [
  'dept_permits',
  'user_permits',
  'outer_permit_users',
  'outer_permit_depts',
  'dept_manager_userid_list',
  'force_update_fields',
] as const;

export interface DepartmentsApi {
  /**
   * Direct children of `deptId` with basic fields (§3.1). `listSub(1)` lists the root's children.
   * @example
   * const children = await client.departments.listSub(1, { language: 'en_US' });
   */
  listSub(deptId: number, options?: CallOptions & { language?: Language }): Promise<Department[]>;
  /**
   * Ids of the direct children of `deptId` (§3.2); not limited by the app's address-book scope.
   * @example
   * const ids = await client.departments.listSubIds(1); // [2, 3]
   */
  listSubIds(deptId: number, options?: CallOptions): Promise<number[]>;
  /**
   * One department's details (§3.3).
   * @example
   * const { name, member_count } = await client.departments.get(2);
   */
  get(deptId: number, options?: CallOptions & { language?: Language }): Promise<DepartmentDetail>;
  /**
   * `deptId`, then its parents up to the root 1, e.g. `[789, 456, 123, 1]` (§3.4).
   * @example
   * const path = await client.departments.listParentByDept(789); // [789, 456, 123, 1]
   */
  listParentByDept(deptId: number, options?: CallOptions): Promise<number[]>;
  /**
   * For each department the user is in, the path up to the root (§3.5).
   * @example
   * const paths = await client.departments.listParentByUser('zhangsan'); // [[3, 1], [5, 2, 1]]
   */
  listParentByUser(userid: string, options?: CallOptions): Promise<number[][]>;
  /**
   * Creates a department (§5.1) and returns its `dept_id`. Not retried after a timeout or 5xx.
   * @example
   * const { dept_id } = await client.departments.create({ name: 'R&D', parent_id: 1 });
   */
  create(input: DepartmentCreateInput, options?: CallOptions): Promise<CreatedDepartment>;
  /**
   * Updates a department (§5.2).
   * @example
   * await client.departments.update({ dept_id: 2, dept_manager_userid_list: ['zhangsan'] });
   */
  update(input: DepartmentUpdateInput, options?: CallOptions): Promise<void>;
  /**
   * Deletes an empty department (§5.3); one with members or children fails with `dingtalk.conflict`.
   * @example
   * await client.departments.delete(2);
   */
  delete(deptId: number, options?: CallOptions): Promise<void>;
}

/**
 * @example
 * const departments = createDepartmentsApi(transport.call);
 * const children = await departments.listSub(1);
 */
export function createDepartmentsApi(call: Transport['call']): DepartmentsApi {
  return {
    listSub: (deptId, options = {}) =>
      postOapi(
        call,
        'topapi/v2/department/listsub',
        { dept_id: deptId, language: options.language },
        z.array(departmentSchema),
        options,
      ),
    listSubIds: async (deptId, options = {}) =>
      (await postOapi(call, 'topapi/v2/department/listsubid', { dept_id: deptId }, deptIdListSchema, options))
        .dept_id_list,
    get: (deptId, options = {}) =>
      postOapi(
        call,
        'topapi/v2/department/get',
        { dept_id: deptId, language: options.language },
        departmentDetailSchema,
        options,
      ),
    listParentByDept: async (deptId, options = {}) =>
      (await postOapi(call, 'topapi/v2/department/listparentbydept', { dept_id: deptId }, parentIdListSchema, options))
        .parent_id_list,
    listParentByUser: async (userid, options = {}) =>
      (
        await postOapi(call, 'topapi/v2/department/listparentbyuser', { userid }, parentListSchema, options)
      ).parent_list.map((entry) => entry.parent_dept_id_list),
    create: (input, options = {}) =>
      postOapi(
        call,
        'topapi/v2/department/create',
        withCommaLists(input, departmentCommaLists),
        createdDepartmentSchema,
        { ...options, idempotent: false },
      ),
    update: (input, options = {}) =>
      postOapiWrite(call, 'topapi/v2/department/update', withCommaLists(input, departmentCommaLists), options),
    delete: (deptId, options = {}) => postOapiWrite(call, 'topapi/v2/department/delete', { dept_id: deptId }, options),
  };
}
