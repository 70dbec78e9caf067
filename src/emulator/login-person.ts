/**
 * Who logs in (§10): a member of the emulated organization, or a stranger — a DingTalk person of another
 * organization, whose unionid `topapi/user/getbyunionid` answers with 60121 (§4.5, §10.1 step 5). Strangers let a
 * test check what a product does with someone DingTalk authenticated but who is not in the bound organization.
 *
 * @example
 * const person = memberPerson(org.user('0123')!, corpId);
 * contactUserView(person, app); // { nick, avatarUrl?, mobile?, openId, unionId, email?, stateCode? }
 */
import { createHash } from 'node:crypto';
import type { EmulatorApp } from './app-registry.ts';
import type { OrgStore } from './org-store.ts';
import type { OrgUser } from './org-types.ts';
import { BASE62, DIGITS, HEX, type Random } from './seeded-random.ts';

/** A person as login sees them: a snapshot taken when the code is issued. */
export interface LoginPerson {
  unionid: string;
  /** Set for members of the emulated organization; undefined for strangers. */
  userid: string | undefined;
  nick: string;
  avatarUrl: string | undefined;
  stateCode: string | undefined;
  mobile: string | undefined;
  email: string | undefined;
  /** The person's own organization: the emulated one for members, another one for strangers. */
  corpId: string;
}

export function memberPerson(user: OrgUser, corpId: string): LoginPerson {
  return {
    unionid: user.unionid,
    userid: user.userid,
    nick: user.name,
    avatarUrl: user.avatar,
    stateCode: user.stateCode,
    mobile: user.mobile,
    email: user.email,
    corpId,
  };
}

const STRANGER_NAMES = ['林晓雨', '周文博', '陈思远'] as const;

/**
 * Three strangers, the same for the same seed: unionids shaped like the organization's (22 base62 characters +
 * `iEiE`), each from an organization of their own.
 */
export function strangersOf(random: Random): LoginPerson[] {
  return STRANGER_NAMES.map((nick, index) => ({
    unionid: `${random.chars(BASE62, 22)}iEiE`,
    userid: undefined,
    nick,
    avatarUrl: undefined,
    stateCode: '86',
    mobile: `1390000${random.chars(DIGITS, 3)}${index}`,
    email: index === 0 ? 'linxiaoyu@example.com' : undefined,
    corpId: `ding${random.chars(HEX, 16)}`,
  }));
}

/**
 * §1.1: the openId is a person's id *per app*. Derived from the app and the unionid, so it is stable for a pair
 * and differs between apps; shaped like a unionid.
 */
export function openIdOf(appKey: string, unionid: string): string {
  const digest = createHash('sha256').update(`${appKey}\u0000${unionid}`).digest();
  let id = '';
  for (let i = 0; i < 22; i++) id += BASE62[(digest[i] as number) % BASE62.length];
  return `${id}iEiE`;
}

/**
 * §10.1 step 4, `GET /v1.0/contact/users/{unionId}`: no userid; optional fields absent when empty; `mobile` and
 * `stateCode` need the "个人手机号信息" permission, which the emulator stands for with the app's `fieldMobile`.
 */
export function contactUserView(person: LoginPerson, app: EmulatorApp): Record<string, unknown> {
  const out: Record<string, unknown> = { nick: person.nick };
  if (person.avatarUrl) out.avatarUrl = person.avatarUrl;
  const mobile = app.permissions.has('fieldMobile') && person.mobile ? person.mobile : undefined;
  if (mobile) out.mobile = mobile;
  out.openId = openIdOf(app.appKey, person.unionid);
  out.unionId = person.unionid;
  if (person.email) out.email = person.email;
  if (mobile && person.stateCode) out.stateCode = person.stateCode;
  return out;
}

/**
 * A member who can log in: one who exists and has activated DingTalk (someone who never activated cannot scan a QR
 * code or open the workbench). Answers the refusal as a sentence otherwise.
 */
export function memberForLogin(
  org: OrgStore,
  userid: string,
  corpId: string,
): { person: LoginPerson } | { refusal: string; missing: boolean } {
  const user = org.user(userid);
  if (!user) return { refusal: `No member with userid ${userid}.`, missing: true };
  if (!user.active) {
    return { refusal: `The member ${userid} has not activated DingTalk (active: false) and cannot log in.`, missing: false };
  }
  return { person: memberPerson(user, corpId) };
}
