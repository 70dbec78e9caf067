/**
 * What the directory layer loads for one binding's plan: plain data, so diff and plan stay pure and their tests
 * need no database. Times are epoch milliseconds.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The account columns field mapping may write (`attributes` is the jsonb column; only mapped keys are compared). */
export interface AccountFieldValues {
  username: string;
  displayName: string;
  email: string | null;
  mobile: string | null;
  jobNumber: string | null;
  title: string | null;
  attributes: Record<string, JsonValue>;
}

export interface LocalUnit {
  id: string;
  parentId: string | null;
  name: string;
  sortOrder: number;
  /** The DingTalk department this unit is linked to in this binding; null for a unit created locally. */
  deptId: number | null;
}

/** Who disabled an account: the sync (a leaver, re-enabled on re-hire) or an administrator (left disabled). */
export type DisabledBy = 'sync' | 'admin';

/** An account linked to this binding: the anchor (corpId, userid) with the unionid stored on the link. */
export interface LocalLinkedAccount {
  id: string;
  userid: string;
  unionid: string | null;
  status: 'enabled' | 'disabled';
  disabledAt: number | null;
  /** Null for an enabled account; an account disabled without a record of who did it counts as the admin's. */
  disabledBy: DisabledBy | null;
  /** Also linked to another binding: leaving this organization then removes only this binding's memberships. */
  linkedElsewhere: boolean;
  /** Has a main membership in a unit outside `units`: sync then marks none of its memberships main (one per account). */
  mainElsewhere: boolean;
  fields: AccountFieldValues;
}

/** A local account not linked to this binding: a candidate for the matching rules, and a username already taken. */
export interface LocalCandidateAccount {
  id: string;
  status: 'enabled' | 'disabled';
  mainElsewhere: boolean;
  fields: AccountFieldValues;
}

export interface LocalMembership {
  accountId: string;
  unitId: string;
  order: number;
  leader: boolean;
  main: boolean;
}

/**
 * The local side of one binding's diff.
 *
 * - `units`: every unit below the binding's target unit, plus every unit linked to this binding wherever an
 *   administrator moved it (the sync moves it back); the target unit itself may be included and is never touched.
 *   Subtrees of other bindings' target units are left out.
 * - `accounts`: every account linked to this binding.
 * - `candidates`: every other account. Matching looks for its candidates here and new usernames must not collide
 *   with these; a loader may restrict it to accounts whose match keys or usernames occur in the snapshot, with
 *   the same plan as a result.
 * - `memberships`: every membership in the target unit and the units of `units`, whoever's account it is.
 */
export interface LocalDirectoryView {
  units: LocalUnit[];
  accounts: LocalLinkedAccount[];
  candidates: LocalCandidateAccount[];
  memberships: LocalMembership[];
}

/**
 * An empty directory below the target unit: what the first sync of a new binding plans against.
 *
 * @example
 * const plan = planSync({ binding, snapshot, local: emptyDirectoryView(), now: Date.now() });
 */
export function emptyDirectoryView(): LocalDirectoryView {
  return { units: [], accounts: [], candidates: [], memberships: [] };
}
