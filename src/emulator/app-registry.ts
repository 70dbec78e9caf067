/**
 * The organization's apps: credentials, granted permissions and address-book scope, per app (§3.6, §4, §5).
 *
 * Every app starts with every permission the emulator knows and the whole organization in scope
 * (`authed_dept: [1]`); the control API narrows them to reproduce DingTalk's permission and scope errors.
 *
 * @example
 * const apps = new AppRegistry(primaryCredentials, random);
 * apps.primary.permissions.delete('fieldMobile');
 * scopeCoversDept(apps.primary.scope, store, 42);
 */
import { AppError } from '../core/index.ts';
import { ROOT_DEPT_ID, type OrgUser } from './org-types.ts';
import type { OrgStore } from './org-store.ts';
import { DIGITS, LOWER_ALNUM, type Random } from './seeded-random.ts';

/** Permission names as DingTalk's developer console shows them (§3–§5, and the field permissions of §4.3). */
export const PERMISSIONS = [
  'qyapi_get_department_list',
  'qyapi_get_member',
  'qyapi_get_department_member',
  'qyapi_get_member_by_mobile',
  'qyapi_manage_addresslist',
  'fieldMobile',
  'fieldEmail',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export interface AppScope {
  authedDept: number[];
  authedUser: string[];
}

export interface AppCredentials {
  appKey: string;
  appSecret: string;
  agentId: string;
}

export interface EmulatorApp extends AppCredentials {
  permissions: Set<Permission>;
  scope: AppScope;
}

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** Credentials shaped like DingTalk's: `ding` + 16 characters, a 64-character secret, a numeric agent id. */
export function newCredentials(random: Random): AppCredentials {
  return {
    appKey: `ding${random.chars(LOWER_ALNUM, 16)}`,
    appSecret: random.chars(SECRET_ALPHABET, 64),
    agentId: `${random.int(1, 4)}${random.chars(DIGITS, 9)}`,
  };
}

export class AppRegistry {
  readonly #apps = new Map<string, EmulatorApp>();
  readonly #primary: AppCredentials;
  readonly #random: Random;

  constructor(primary: AppCredentials, random: Random) {
    this.#primary = primary;
    this.#random = random;
    this.reset();
  }

  /** The app whose credentials `startEmulator` returns. */
  get primary(): EmulatorApp {
    return this.#apps.get(this.#primary.appKey) as EmulatorApp;
  }

  get(appKey: string): EmulatorApp | undefined {
    return this.#apps.get(appKey);
  }

  list(): EmulatorApp[] {
    return [...this.#apps.values()];
  }

  /** Adds another app of the organization; credentials not given are generated. */
  create(input: Partial<AppCredentials> = {}): EmulatorApp {
    const generated = newCredentials(this.#random);
    const app = withDefaults({ ...generated, ...stripUndefined(input) });
    if (this.#apps.has(app.appKey)) {
      throw new AppError('emulator.app_exists', `An app with appKey ${app.appKey} already exists.`, { status: 409 });
    }
    this.#apps.set(app.appKey, app);
    return app;
  }

  /** Back to one app, the primary, with every permission and the whole organization in scope. */
  reset(): void {
    this.#apps.clear();
    this.#apps.set(this.#primary.appKey, withDefaults(this.#primary));
  }
}

function withDefaults(credentials: AppCredentials): EmulatorApp {
  return {
    appKey: credentials.appKey,
    appSecret: credentials.appSecret,
    agentId: credentials.agentId,
    permissions: new Set(PERMISSIONS),
    scope: { authedDept: [ROOT_DEPT_ID], authedUser: [] },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A department is in scope when it or one of its ancestors is an authorised department. */
export function scopeCoversDept(scope: AppScope, org: OrgStore, deptId: number): boolean {
  if (scope.authedDept.includes(ROOT_DEPT_ID)) return true;
  return org.ancestors(deptId).some((id) => scope.authedDept.includes(id));
}

/** A person is in scope when authorised by name or through any of their departments. */
export function scopeCoversUser(scope: AppScope, org: OrgStore, user: OrgUser): boolean {
  if (scope.authedUser.includes(user.userid)) return true;
  return user.memberships.some((m) => scopeCoversDept(scope, org, m.deptId));
}
