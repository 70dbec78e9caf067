/**
 * Control routes for an administrator's console work (README.md beside this file, "Console operations"): people
 * and departments added, edited and removed through the same store as the §5 APIs, so the same events fire (§8.1).
 *
 * Bodies are zod-checked (400 `emulator.invalid_body`); a DingTalk rule the change breaks is 409
 * `emulator.org_rule` with DingTalk's errcode in `details`, and an unknown person or department 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import {
  adminDeptPatchSchema,
  adminNewDeptSchema,
  adminNewUserSchema,
  adminUserPatchSchema,
  AdminOps,
  departuresSchema,
} from './admin-ops.ts';
import { parseBody } from './control-routes.ts';
import { DingTalkError } from './dingtalk-error.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { ROOT_DEPT_ID, type OrgDepartment } from './org-types.ts';
import { bodyOf, isRecord } from './request-body.ts';
import { createRandom } from './seeded-random.ts';
import { orgUserJson } from './user-view.ts';

/** At most this many people in one bulk import. */
export const IMPORT_LIMIT = 10_000;

const importSchema = z.object({ users: z.array(adminNewUserSchema).min(1).max(IMPORT_LIMIT) }).strict();
const NOT_FOUND_CODES = new Set([60003, 60121, 33012]);

export function registerAdminOpsRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const ops = new AdminOps(context.org, createRandom(context.settings.seed).fork('admin-ops'));
  const userJson = (user: Parameters<typeof orgUserJson>[0]) => orgUserJson(user, context.org);

  app.post('/_emulator/org/users', (request, reply) => {
    const body = bodyOf(request);
    if (body.kind === 'json' && isRecord(body.value) && 'users' in body.value) {
      const results = ops.importUsers(parseBody(request, importSchema).users);
      return {
        created: results.filter((r) => r.ok).length,
        failed: results.filter((r) => !r.ok).length,
        results: results.map((r, index) =>
          r.ok ? { index, userid: r.value.userid, unionid: r.value.unionid } : { index, errcode: r.errcode, errmsg: r.errmsg },
        ),
      };
    }
    const input = parseBody(request, adminNewUserSchema);
    return reply.code(201).send(userJson(orgRule(() => ops.createUser(input))));
  });

  app.patch('/_emulator/org/users/:userid', (request) => {
    const userid = param(request, 'userid');
    const patch = parseBody(request, adminUserPatchSchema);
    return userJson(orgRule(() => ops.updateUser(userid, patch)));
  });

  app.delete('/_emulator/org/users/:userid', (request) => {
    const userid = param(request, 'userid');
    orgRule(() => ops.removeUser(userid));
    return { userid, left: true };
  });

  app.post('/_emulator/org/users/:userid/activate', (request) => {
    const userid = param(request, 'userid');
    if (context.org.user(userid)?.active) {
      throw new AppError('emulator.already_active', `${userid} has already activated DingTalk.`, { status: 409 });
    }
    return userJson(orgRule(() => ops.activateUser(userid)));
  });

  app.post('/_emulator/org/departures', (request) => ops.massDeparture(parseBody(request, departuresSchema)));

  app.post('/_emulator/org/departments', (request, reply) => {
    const input = parseBody(request, adminNewDeptSchema);
    return reply.code(201).send(deptJson(orgRule(() => ops.createDepartment(input))));
  });

  app.patch('/_emulator/org/departments/:deptId', (request) => {
    const deptId = deptParam(request);
    const patch = parseBody(request, adminDeptPatchSchema);
    return deptJson(orgRule(() => ops.updateDepartment(deptId, patch)));
  });

  app.delete('/_emulator/org/departments/:deptId', (request) => {
    const deptId = deptParam(request);
    orgRule(() => ops.removeDepartment(deptId));
    return { dept_id: deptId, removed: true };
  });
}

/** The department as `GET /_emulator/org` lists it. */
function deptJson(dept: OrgDepartment): Record<string, unknown> {
  return { dept_id: dept.deptId, name: dept.name, parent_id: dept.deptId === ROOT_DEPT_ID ? null : dept.parentId, order: dept.order };
}

function param(request: FastifyRequest, name: string): string {
  return isRecord(request.params) ? String(request.params[name]) : '';
}

function deptParam(request: FastifyRequest): number {
  const text = param(request, 'deptId');
  if (!/^\d{1,15}$/.test(text)) throw new AppError('emulator.invalid_path', `Department id ${text.slice(0, 40)} is not a number.`, { status: 400 });
  return Number(text);
}

/** Runs a store change, translating DingTalk's rule errors into the control API's (404 unknown, 409 refused). */
function orgRule<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof DingTalkError)) throw error;
    const details = { errcode: error.errcode, errmsg: error.message };
    if (NOT_FOUND_CODES.has(error.errcode)) throw new AppError('emulator.not_found', `${error.message} (DingTalk errcode ${error.errcode}).`, { status: 404, details });
    throw new AppError('emulator.org_rule', `DingTalk refuses this change: ${error.message} (errcode ${error.errcode}).`, { status: 409, details });
  }
}
