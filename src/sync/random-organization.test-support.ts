/**
 * Seeded random organizations and mutations of them, as address-book snapshots, for property-style tests of diff
 * and plan. Hand-written (a few lines of mulberry32) rather than a property-testing library: a failing seed is
 * printed by the test and replays exactly.
 */
import type { AddressBookSnapshot, SnapshotDepartment, SnapshotMembership, SnapshotUser } from './address-book-crawl.ts';

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

/**
 * mulberry32: tiny, fast, and good enough to shuffle test data.
 *
 * @example
 * const random = seededRandom(42);
 * random.int(10); // the same number for seed 42, every time
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)] as T;
    },
    chance: (probability) => next() < probability,
  };
}

export interface SnapshotSpec {
  complete?: boolean;
  roots?: number[];
  /** `[deptId, name, parentId]`; roots have a null parent. */
  departments: [number, string, number | null][];
  users: { userid: string; record?: Record<string, unknown>; memberships: [deptId: number, order?: number, leader?: boolean][] }[];
}

/**
 * A snapshot written out by hand; `dept_id_list` follows the memberships' order unless the record gives one.
 *
 * @example
 * buildSnapshot({ departments: [[1, '', null], [2, '研发部', 1]], users: [{ userid: 'u1', memberships: [[2]] }] });
 */
export function buildSnapshot(spec: SnapshotSpec): AddressBookSnapshot {
  const departments = new Map<number, SnapshotDepartment>();
  for (const [deptId, name, parentId] of spec.departments) departments.set(deptId, { deptId, name, parentId });
  const users = new Map<string, SnapshotUser>();
  for (const user of spec.users) {
    const memberships = user.memberships.map(([deptId, order, leader]) => ({ deptId, order: order ?? 0, leader: leader ?? false }));
    const record = { userid: user.userid, unionid: `union-${user.userid}`, name: `name ${user.userid}`, ...user.record };
    users.set(user.userid, { userid: user.userid, record: { dept_id_list: memberships.map((m) => m.deptId), ...record }, memberships });
  }
  return {
    complete: spec.complete ?? true,
    roots: spec.roots ?? spec.departments.filter(([, , parent]) => parent === null).map(([id]) => id),
    departments,
    users,
    failures: [],
    requests: { listsub: 0, userList: 0 },
  };
}

const DEPARTMENT_NAMES = ['研发部', '产品部', '市场部', '销售部', '财务部', '人事部', '法务部', '运营部', '客服部', '设计部'];
const SURNAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '洋', '艳', '军', '杰'];
const TITLES = ['工程师', '经理', '总监', '专员', '主管', '助理'];

/**
 * A random organization: a tree of departments under root 1 and people in one to three of them.
 *
 * @example
 * const snapshot = randomOrganization(seededRandom(7), { departments: 20, users: 60 });
 */
export function randomOrganization(random: Random, size: { departments: number; users: number }): AddressBookSnapshot {
  const snapshot: AddressBookSnapshot = {
    complete: true,
    roots: [1],
    departments: new Map([[1, { deptId: 1, name: '', parentId: null }]]),
    users: new Map(),
    failures: [],
    requests: { listsub: 0, userList: 0 },
  };
  for (let i = 0; i < size.departments; i++) addDepartment(random, snapshot);
  for (let i = 0; i < size.users; i++) addUser(random, snapshot);
  return snapshot;
}

export const MUTATIONS = [
  'rename',
  'move',
  'remove_department',
  'add_department',
  'leave',
  'join',
  'change_departments',
  'leader',
  'order',
  'main',
  'profile',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/**
 * A copy of `snapshot` with `count` random changes, as DingTalk would allow them (a department is removed only once
 * it has no sub-departments, its members moved up first).
 *
 * @example
 * const { snapshot: next, applied } = mutateSnapshot(random, snapshot, 5); // applied: ['move 104', 'leave u17', …]
 */
export function mutateSnapshot(random: Random, snapshot: AddressBookSnapshot, count: number): { snapshot: AddressBookSnapshot; applied: string[] } {
  const next = structuredClone(snapshot);
  const applied: string[] = [];
  for (let i = 0; i < count; i++) {
    const done = mutate(random, next, random.pick(MUTATIONS));
    if (done !== null) applied.push(done);
  }
  return { snapshot: next, applied };
}

function mutate(random: Random, snapshot: AddressBookSnapshot, mutation: Mutation): string | null {
  const departments = [...snapshot.departments.values()].filter((d) => d.deptId !== 1);
  const users = [...snapshot.users.values()];
  switch (mutation) {
    case 'rename': {
      if (departments.length === 0) return null;
      const department = random.pick(departments);
      department.name = `${random.pick(DEPARTMENT_NAMES)}${random.int(1000)}`;
      return `rename ${department.deptId}`;
    }
    case 'move': {
      if (departments.length === 0) return null;
      const department = random.pick(departments);
      const below = subtreeOf(snapshot, department.deptId);
      const parents = [...snapshot.departments.keys()].filter((id) => !below.has(id) && id !== department.parentId);
      if (parents.length === 0) return null;
      department.parentId = random.pick(parents);
      return `move ${department.deptId} under ${department.parentId}`;
    }
    case 'remove_department': {
      const leaves = departments.filter((d) => ![...snapshot.departments.values()].some((c) => c.parentId === d.deptId));
      if (leaves.length === 0) return null;
      const department = random.pick(leaves);
      for (const user of users) {
        if (!user.memberships.some((m) => m.deptId === department.deptId)) continue;
        const rest = user.memberships.filter((m) => m.deptId !== department.deptId);
        setMemberships(user, rest.length > 0 ? rest : [{ deptId: department.parentId ?? 1, order: 0, leader: false }]);
      }
      snapshot.departments.delete(department.deptId);
      return `remove department ${department.deptId}`;
    }
    case 'add_department':
      return `add department ${addDepartment(random, snapshot)}`;
    case 'leave': {
      if (users.length === 0) return null;
      const user = random.pick(users);
      snapshot.users.delete(user.userid);
      return `leave ${user.userid}`;
    }
    case 'join':
      return `join ${addUser(random, snapshot)}`;
    case 'change_departments': {
      if (users.length === 0) return null;
      const user = random.pick(users);
      setMemberships(user, randomMemberships(random, snapshot));
      return `change departments of ${user.userid}`;
    }
    case 'leader':
    case 'order': {
      if (users.length === 0) return null;
      const user = random.pick(users);
      const membership = random.pick(user.memberships);
      if (mutation === 'leader') membership.leader = !membership.leader;
      else membership.order = random.int(10_000);
      return `${mutation} of ${user.userid} in ${membership.deptId}`;
    }
    case 'main': {
      const several = users.filter((u) => u.memberships.length > 1);
      if (several.length === 0) return null;
      const user = random.pick(several);
      const [first, ...rest] = user.memberships;
      if (first === undefined) return null;
      setMemberships(user, [...rest, first]);
      return `main of ${user.userid}`;
    }
    case 'profile': {
      if (users.length === 0) return null;
      const user = random.pick(users);
      const field = random.pick(['name', 'title', 'email', 'org_email', 'mobile', 'job_number']);
      if (random.chance(0.3) && field !== 'name') delete user.record[field];
      else user.record[field] = `${field === 'mobile' ? '139' : ''}${random.int(100_000_000)}`;
      return `profile ${field} of ${user.userid}`;
    }
  }
}

function addDepartment(random: Random, snapshot: AddressBookSnapshot): number {
  const deptId = Math.max(...snapshot.departments.keys()) + 1 + random.int(3);
  const parentId = random.pick([...snapshot.departments.keys()]);
  snapshot.departments.set(deptId, { deptId, name: `${random.pick(DEPARTMENT_NAMES)}${random.int(100)}`, parentId });
  return deptId;
}

function addUser(random: Random, snapshot: AddressBookSnapshot): string {
  let userid: string;
  do userid = `u${random.int(1e8).toString(36)}`;
  while (snapshot.users.has(userid));
  const record: Record<string, unknown> = {
    userid,
    unionid: `union-${userid}`,
    name: `${random.pick(SURNAMES)}${random.pick(GIVEN)}${random.chance(0.5) ? random.pick(GIVEN) : ''}`,
    active: random.chance(0.8),
  };
  if (random.chance(0.9)) {
    record['state_code'] = random.chance(0.9) ? '86' : '852';
    record['mobile'] = record['state_code'] === '86' ? `13${String(random.int(1e9)).padStart(9, '0')}` : String(5e7 + random.int(4e7));
  }
  if (random.chance(0.6)) record['email'] = `${userid}@example.com`;
  if (random.chance(0.4)) record['org_email'] = `${userid}@corp.example.cn`;
  if (random.chance(0.7)) record['job_number'] = `E${random.int(100_000)}`;
  if (random.chance(0.7)) record['title'] = random.pick(TITLES);
  if (random.chance(0.3)) record['extension'] = JSON.stringify({ 工号: `W${random.int(1000)}`, 爱好: '跑步' });
  const user: SnapshotUser = { userid, record: { ...record, userid, name: String(record['name']) }, memberships: [] };
  setMemberships(user, randomMemberships(random, snapshot));
  snapshot.users.set(userid, user);
  return userid;
}

function randomMemberships(random: Random, snapshot: AddressBookSnapshot): SnapshotMembership[] {
  const ids = [...snapshot.departments.keys()];
  const count = 1 + (random.chance(0.3) ? random.int(3) : 0);
  const chosen = new Set<number>();
  for (let i = 0; i < count; i++) chosen.add(random.pick(ids));
  return [...chosen].map((deptId) => ({ deptId, order: random.int(10_000), leader: random.chance(0.1) }));
}

/** Memberships in DingTalk's `dept_id_list` order, as the crawl leaves them. */
function setMemberships(user: SnapshotUser, memberships: SnapshotMembership[]): void {
  user.memberships = memberships;
  user.record.dept_id_list = memberships.map((m) => m.deptId);
}

function subtreeOf(snapshot: AddressBookSnapshot, deptId: number): Set<number> {
  const below = new Set([deptId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const department of snapshot.departments.values()) {
      if (department.parentId !== null && below.has(department.parentId) && !below.has(department.deptId)) {
        below.add(department.deptId);
        grew = true;
      }
    }
  }
  return below;
}
