/**
 * Generates a plausible DingTalk organization from a seed: a company (root department 1) with divisions,
 * departments, teams and a few deeper units (4–6 levels), Chinese names, some very large departments, about 7 % of
 * people in several departments, one leader per department as a rule, and every user field of §4.3/§4.4, with
 * optional ones left empty (hence absent on the wire) for part of the people.
 *
 * Deterministic: the same seed and sizes give the same organization, field by field. Lean: one pass per person,
 * no per-person closures, so 100,000 people take well under a second or two.
 *
 * @example
 * const org = generateOrg({ seed: 'demo', users: 200, depts: defaultDeptCount(200) });
 */
import {
  AREA_CODES,
  BRANCH,
  CITIES,
  COMPANY_BRANDS,
  DIVISIONS,
  EXECUTIVE_TITLES,
  GIVEN_CHARS,
  HOBBIES,
  INDUSTRIES,
  LEADER_TITLES,
  MAIL_HOSTS,
  PROJECTS,
  REMARKS,
  ROLE_GROUPS,
  STREETS,
  SURNAMES,
  type DivisionTemplate,
} from './name-tables.ts';
import { BASE62, DIGITS, HEX, createRandom, type Random } from './seeded-random.ts';
import { ROOT_DEPT_ID, type Membership, type OrgData, type OrgDepartment, type OrgRole, type OrgUser } from './org-types.ts';

export interface GenerateOrgOptions {
  seed: string;
  users: number;
  /** Departments including the root. */
  depts: number;
}

/** The department count used when none is given: about one department per 25 people, at least 5. */
export function defaultDeptCount(users: number): number {
  return Math.max(5, Math.round(users / 25));
}

/** Gap between consecutive `order` values, so that inserted members and departments fit in between. */
export const ORDER_STEP = 1024;

/** Hire dates fall in [2008-01-01, 2025-12-01): fixed, not clock-based, so that a seed always gives the same org. */
const HIRED_FROM = Date.UTC(2008, 0, 1);
const HIRED_TO = Date.UTC(2025, 11, 1);
const GENERATED_AT = Date.UTC(2026, 0, 1);

export function generateOrg(options: GenerateOrgOptions): OrgData {
  const random = createRandom(options.seed);
  const company = pickCompany(random.fork('company'));
  const roles = buildRoles(random.fork('roles'));
  const tree = buildTree(random.fork('departments'), company.name, Math.max(1, options.depts));
  const users = createPeople(random.fork('people'), Math.max(1, options.users), company);
  placePeople(random.fork('placement'), tree, users, roles);
  return { corpName: company.name, mailDomain: company.domain, roles, departments: tree.departments, users };
}

interface Company {
  name: string;
  domain: string;
  city: string;
  /** Job numbers start with these letters. */
  jobPrefix: string;
}

function pickCompany(random: Random): Company {
  const [brand, brandPinyin] = random.pick(COMPANY_BRANDS);
  const [industry, industryTag] = random.pick(INDUSTRIES);
  const [city] = random.pick(CITIES);
  return {
    name: `${city}${brand}${industry}有限公司`,
    domain: `${brandPinyin}-${industryTag}.com`,
    city,
    jobPrefix: brandPinyin.slice(0, 2).toUpperCase(),
  };
}

function buildRoles(random: Random): OrgRole[] {
  const roles: OrgRole[] = [];
  for (const [groupName, names] of ROLE_GROUPS) {
    for (const name of names) roles.push({ id: random.int(1_000_000_000, 4_000_000_000), name, groupName });
  }
  return roles;
}

// ---------------------------------------------------------------------------------------------------------------
// The department tree

interface Tree {
  departments: OrgDepartment[];
  /** Depth below the root (root 0), by index in `departments`. */
  levels: number[];
  /** The division template each department's names and titles come from, by index. */
  templates: DivisionTemplate[];
}

/**
 * How many departments sit at depth 1..5 below the root. Depths 1–4 grow geometrically with a common ratio r
 * (r + r² + r³ + r⁴ = the count), which yields the "company → divisions → departments → teams → groups" shape;
 * about 5 % of larger trees go one level deeper (project teams), giving 6 levels in all.
 */
export function levelCounts(nonRoot: number): number[] {
  if (nonRoot <= 0) return [];
  if (nonRoot <= 4) return Array.from({ length: nonRoot }, () => 1);
  const deepest = nonRoot >= 20 ? Math.round(nonRoot * 0.05) : 0;
  const rest = nonRoot - deepest;
  let low = 0.5;
  let high = rest;
  for (let i = 0; i < 60; i++) {
    const r = (low + high) / 2;
    if (r + r ** 2 + r ** 3 + r ** 4 > rest) high = r;
    else low = r;
  }
  const counts = [1, 2, 3].map((power) => Math.max(1, Math.round(low ** power)));
  // A company has a few divisions even when small.
  counts[0] = Math.max(counts[0] as number, Math.min(3, Math.floor(rest / 4)));
  let remaining = rest - counts.reduce((sum, n) => sum + n, 0);
  // Rounding can overshoot for small trees: shrink the largest upper level until the lowest one gets a unit.
  while (remaining < 1) {
    const largest = counts.indexOf(Math.max(...counts));
    counts[largest] = (counts[largest] as number) - 1;
    remaining++;
  }
  counts.push(remaining);
  if (deepest > 0) counts.push(deepest);
  return counts;
}

function buildTree(random: Random, companyName: string, total: number): Tree {
  const ids = new Set<number>([ROOT_DEPT_ID]);
  const root = newDepartment(ROOT_DEPT_ID, companyName, 0, ORDER_STEP);
  const tree: Tree = { departments: [root], levels: [0], templates: [DIVISIONS[0] as DivisionTemplate] };
  let parents: number[] = [0];
  const counts = levelCounts(total - 1);
  for (let depth = 1; depth <= counts.length; depth++) {
    const count = counts[depth - 1] ?? 0;
    const parentOf = assignParents(random, parents, count, depth === 5);
    const childNames = new Map<number, Set<string>>();
    const level: number[] = [];
    for (let i = 0; i < count; i++) {
      const parentIndex = parentOf[i] as number;
      const parent = tree.departments[parentIndex] as OrgDepartment;
      const taken = childNames.get(parentIndex) ?? new Set<string>();
      childNames.set(parentIndex, taken);
      const template = depth === 1 ? divisionFor(random, taken) : (tree.templates[parentIndex] as DivisionTemplate);
      const name = depth === 1 ? divisionName(random, template, taken) : unitName(random, depth, template, taken);
      taken.add(name);
      let id = random.int(100_000_000, 999_999_999);
      while (ids.has(id)) id = random.int(100_000_000, 999_999_999);
      ids.add(id);
      const department = newDepartment(id, name, parent.deptId, (parent.children.length + 1) * ORDER_STEP);
      department.createDeptGroup = random.chance(0.6);
      department.autoAddUser = department.createDeptGroup && random.chance(0.8);
      department.groupChatId = department.createDeptGroup ? `chat${random.chars(HEX, 32)}` : undefined;
      parent.children.push(department);
      level.push(tree.departments.length);
      tree.departments.push(department);
      tree.levels.push(depth);
      tree.templates.push(template);
    }
    parents = level;
  }
  root.createDeptGroup = true;
  root.autoAddUser = true;
  root.groupChatId = `chat${random.chars(HEX, 32)}`;
  return tree;
}

/** Every parent gets one child first (while children remain), the rest go to random parents; project teams (depth 5) cluster under a few groups. */
function assignParents(random: Random, parents: number[], count: number, clustered: boolean): number[] {
  const pool = clustered ? random.shuffle([...parents]).slice(0, Math.max(1, Math.ceil(count / 2))) : parents;
  const order = random.shuffle([...pool]);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(i < order.length ? (order[i] as number) : random.pick(pool));
  return out;
}

function divisionFor(random: Random, taken: Set<string>): DivisionTemplate {
  const free = DIVISIONS.filter((division) => !taken.has(division.name));
  return free.length > 0 && random.chance(0.85) ? random.pick(free) : BRANCH;
}

function divisionName(random: Random, template: DivisionTemplate, taken: Set<string>): string {
  if (template !== BRANCH) return template.name;
  const free = CITIES.filter(([city]) => !taken.has(`${city}${BRANCH.name}`));
  if (free.length > 0) return `${random.pick(free)[0]}${BRANCH.name}`;
  return numbered(`${random.pick(CITIES)[0]}${BRANCH.name}`, taken);
}

function unitName(random: Random, depth: number, template: DivisionTemplate, taken: Set<string>): string {
  if (depth === 2 || depth === 3) {
    const names = depth === 2 ? template.departments : template.teams;
    const free = names.filter((name) => !taken.has(name));
    return free.length > 0 ? random.pick(free) : numbered(random.pick(names), taken);
  }
  if (depth === 4) return numbered('小组', taken, '第');
  return numbered(`${random.pick(PROJECTS)}项目组`, taken);
}

/** `交易组` → `交易二组`, `小组` → `第一小组`: the first free numbered variant of a name. */
function numbered(base: string, taken: Set<string>, prefix = ''): string {
  const suffix = ['中心', '部', '组', '公司'].find((s) => base.endsWith(s)) ?? '';
  const stem = base.slice(0, base.length - suffix.length);
  for (let n = prefix ? 1 : 2; ; n++) {
    const name = prefix ? `${prefix}${chineseNumber(n)}${base}` : `${stem}${chineseNumber(n)}${suffix}`;
    if (!taken.has(name)) return name;
  }
}

const NUMERALS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 1–99 in Chinese numerals (十一, 二十三); larger numbers in digits. */
export function chineseNumber(n: number): string {
  if (n < 1 || n > 99) return String(n);
  if (n < 10) return NUMERALS[n] as string;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : NUMERALS[tens]}十${ones === 0 ? '' : NUMERALS[ones]}`;
}

function newDepartment(deptId: number, name: string, parentId: number, order: number): OrgDepartment {
  return {
    deptId,
    name,
    parentId,
    order,
    sourceIdentifier: undefined,
    code: undefined,
    createDeptGroup: false,
    autoAddUser: false,
    autoApproveApply: false,
    groupChatId: undefined,
    orgDeptOwner: undefined,
    hideDept: false,
    outerDept: false,
    children: [],
    members: [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// People

const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '156', '157', '158',
  '159', '166', '176', '177', '178', '180', '181', '182', '185', '186', '187', '188', '189', '198', '199',
];

/** Cumulative surname weights for a binary-search pick. */
const SURNAME_CUMULATIVE = SURNAMES.reduce<number[]>((acc, [, , weight]) => {
  acc.push((acc[acc.length - 1] ?? 0) + weight);
  return acc;
}, []);

function pickSurname(random: Random): readonly [string, string, number] {
  const total = SURNAME_CUMULATIVE[SURNAME_CUMULATIVE.length - 1] as number;
  return SURNAMES[lowerBound(SURNAME_CUMULATIVE, random.next() * total)] as readonly [string, string, number];
}

/** Draws until `make` yields a value not yet in `taken`, then records it. */
function unique(taken: Set<string>, make: (attempt: number) => string): string {
  for (let attempt = 0; ; attempt++) {
    const value = make(attempt);
    if (!taken.has(value)) {
      taken.add(value);
      return value;
    }
  }
}

/** Creates people with their own fields; departments, titles and flags come in {@link placePeople}. */
function createPeople(random: Random, count: number, company: Company): OrgUser[] {
  const userids = new Set<string>();
  const unionids = new Set<string>();
  const mobiles = new Set<string>();
  const emails = new Set<string>();
  const telephones = new Set<string>();
  const users: OrgUser[] = new Array<OrgUser>(count);
  for (let i = 0; i < count; i++) {
    const [surname, surnamePinyin] = pickSurname(random);
    const first = random.pick(GIVEN_CHARS);
    const second = random.chance(0.7) ? random.pick(GIVEN_CHARS) : undefined;
    const name = surname + first[0] + (second ? second[0] : '');
    const givenPinyin = first[1] + (second ? second[1] : '');
    const pinyin = surnamePinyin + givenPinyin;
    const hiredDate = random.int(HIRED_FROM, HIRED_TO);
    const [city] = random.chance(0.7) ? [company.city] : random.pick(CITIES);
    users[i] = {
      // Most DingTalk userids are long digit strings; older or hand-made ones are pinyin (§1.1 `userid`).
      userid: random.chance(0.8)
        ? unique(userids, () => `0${random.chars(DIGITS, 16)}`)
        : unique(userids, (attempt) => (attempt === 0 ? pinyin : `${pinyin}${random.int(1, 999)}`)),
      unionid: unique(unionids, () => `${random.chars(BASE62, 22)}iEiE`),
      name,
      stateCode: '86',
      mobile: unique(mobiles, () => `${random.pick(MOBILE_PREFIXES)}${random.chars(DIGITS, 8)}`),
      hideMobile: random.chance(0.03),
      telephone: random.chance(0.2)
        ? unique(telephones, () => `${AREA_CODES[city] ?? '010'}-${random.int(2, 8)}${random.chars(DIGITS, 7)}`)
        : undefined,
      email: random.chance(0.55)
        ? unique(emails, (attempt) => `${pinyin}${attempt === 0 ? random.int(1, 9999) : random.chars(DIGITS, 6)}@${random.pick(MAIL_HOSTS)}`)
        : undefined,
      orgEmail: random.chance(0.6)
        ? unique(emails, (attempt) => `${givenPinyin}.${surnamePinyin}${attempt === 0 ? '' : attempt + 1}@${company.domain}`)
        : undefined,
      workPlace: random.chance(0.6) ? `${city}市${random.pick(STREETS)}` : undefined,
      remark: random.chance(0.08) ? random.pick(REMARKS) : undefined,
      extension: random.chance(0.15)
        ? JSON.stringify({ 爱好: random.pick(HOBBIES), 工位: `${random.pick(['A', 'B', 'C'])}-${random.int(101, 1830)}` })
        : undefined,
      avatar: random.chance(0.7)
        ? `https://static-legacy.dingtalk.com/media/lADP${random.chars(BASE62, 22)}_240_240.jpg`
        : undefined,
      jobNumber: random.chance(0.9) ? `${company.jobPrefix}${String(10001 + i).padStart(6, '0')}` : undefined,
      title: undefined,
      hiredDate: random.chance(0.92) ? hiredDate : undefined,
      managerUserid: undefined,
      active: random.chance(0.93),
      admin: false,
      boss: false,
      senior: false,
      realAuthed: random.chance(0.9),
      roles: [],
      mainDeptId: ROOT_DEPT_ID,
      memberships: [],
      modifiedAt: random.int(hiredDate, GENERATED_AT),
    };
  }
  return users;
}

// ---------------------------------------------------------------------------------------------------------------
// Placement: main departments, big departments, extra memberships, leaders, order, managers, roles

/** At least this many members in the large departments of organizations big enough to have them. */
const BIG_DEPT_MIN = 260;
const BIG_DEPT_MAX = 520;

function placePeople(random: Random, tree: Tree, users: OrgUser[], roles: OrgRole[]): void {
  const { departments, levels, templates } = tree;
  const indexOf = new Map<number, number>(departments.map((d, i) => [d.deptId, i]));
  const join = (user: OrgUser, deptIndex: number): void => {
    const dept = departments[deptIndex] as OrgDepartment;
    user.memberships.push(newMembership(dept.deptId, (user.hiredDate ?? HIRED_FROM) + random.int(0, 86_400_000 * 30)));
    dept.members.push(user);
  };

  // The boss and a few executives sit in the root department.
  const executives = Math.min(users.length, 1 + Math.min(4, Math.floor(users.length / 40)));
  for (let i = 0; i < executives; i++) join(users[i] as OrgUser, 0);

  // A few large departments (call centres, workshops, sales floors) of several hundred direct members each, chosen
  // among departments and teams (depths 2–3), so that paging over more than 100 members is exercised (§4.3).
  const candidates = departments.map((_, i) => i).filter((i) => (levels[i] ?? 0) >= 2 && (levels[i] ?? 0) <= 3);
  const fallback = departments.map((_, i) => i).filter((i) => i > 0);
  const bigPool = candidates.length > 0 ? candidates : fallback;
  const bigCount = bigPool.length === 0 ? 0 : Math.min(bigPool.length, Math.max(1, Math.round(departments.length / 100)));
  const big = random.shuffle([...bigPool]).slice(0, bigCount);
  const bigCap = bigCount === 0 ? 0 : Math.floor((users.length * 0.55) / bigCount);
  let next = executives;
  for (const deptIndex of big) {
    const size = Math.min(random.int(BIG_DEPT_MIN, BIG_DEPT_MAX), bigCap, users.length - next);
    for (let i = 0; i < size; i++) join(users[next++] as OrgUser, deptIndex);
  }

  // Everyone else goes to a department drawn by weight: leaves (teams) hold most people, units above them a few.
  const bigSet = new Set(big);
  const pool = departments.map((_, i) => i).filter((i) => i > 0 && !bigSet.has(i));
  const weighted = pool.length > 0 ? pool : departments.map((_, i) => i);
  const cumulative: number[] = [];
  for (const i of weighted) {
    const leaf = (departments[i] as OrgDepartment).children.length === 0;
    cumulative.push((cumulative[cumulative.length - 1] ?? 0) + (leaf ? 0.4 + random.next() * 1.2 : 0.15 + random.next() * 0.3));
  }
  const drawDept = (): number => weighted[lowerBound(cumulative, random.next() * (cumulative[cumulative.length - 1] ?? 0))] as number;
  for (; next < users.length; next++) join(users[next] as OrgUser, drawDept());

  // About 7 % of people also belong to one or two other departments.
  if (departments.length > 1) {
    for (let i = 1; i < users.length; i++) {
      if (!random.chance(0.07)) continue;
      const user = users[i] as OrgUser;
      const extra = random.chance(0.85) ? 1 : 2;
      for (let k = 0; k < extra; k++) {
        const deptIndex = random.chance(0.5) ? drawDept() : random.int(1, departments.length - 1);
        const deptId = (departments[deptIndex] as OrgDepartment).deptId;
        if (!user.memberships.some((m) => m.deptId === deptId)) join(user, deptIndex);
      }
    }
  }

  for (const user of users) user.mainDeptId = (user.memberships[0] as Membership).deptId;

  // Leaders, then display order: leaders first, then the others in a stable shuffled order.
  const leaderOf = new Map<number, OrgUser>();
  departments.forEach((dept, deptIndex) => {
    if (dept.members.length === 0) return;
    const mainMembers = dept.members.filter((u) => u.mainDeptId === dept.deptId);
    const candidatesForLead = mainMembers.length > 0 ? mainMembers : dept.members;
    const leaders = deptIndex === 0 ? [users[0] as OrgUser] : pickLeaders(random, candidatesForLead);
    for (const leader of leaders) membershipIn(leader, dept.deptId).leader = true;
    if (leaders[0]) leaderOf.set(dept.deptId, leaders[0]);
    const others = random.shuffle(dept.members.filter((u) => !leaders.includes(u)));
    dept.members = [...leaders, ...others];
    dept.members.forEach((u, rank) => (membershipIn(u, dept.deptId).order = (rank + 1) * ORDER_STEP));
    if (dept.createDeptGroup) dept.orgDeptOwner = leaders[0]?.userid ?? dept.members[0]?.userid;
  });

  // Titles, reporting lines, flags and roles.
  const roleIndex = (name: string): number => roles.findIndex((r) => r.name === name);
  const [mainAdmin, subAdmin, head, supervisor] = ['主管理员', '子管理员', '负责人', '主管'].map(roleIndex);
  const jobRoles = roles.map((_, i) => i).filter((i) => roles[i]?.groupName !== '默认');
  users.forEach((user, i) => {
    const deptIndex = indexOf.get(user.mainDeptId) ?? 0;
    const depth = levels[deptIndex] ?? 0;
    const leads = membershipIn(user, user.mainDeptId).leader;
    if (i === 0) {
      user.boss = true;
      user.admin = true;
      user.senior = true;
      user.roles.push(mainAdmin ?? 0);
    } else if (deptIndex === 0) {
      user.admin = random.chance(0.5);
      user.senior = true;
      if (user.admin) user.roles.push(subAdmin ?? 0);
    } else if (random.chance(0.003)) {
      user.admin = true;
      user.roles.push(subAdmin ?? 0);
    }
    if (leads && i !== 0) user.roles.push((depth <= 2 ? head : supervisor) ?? 0);
    if (random.chance(0.3) && jobRoles.length > 0) user.roles.push(random.pick(jobRoles));
    const template = templates[deptIndex] as DivisionTemplate;
    if (random.chance(0.95)) {
      user.title = leads
        ? random.pick(LEADER_TITLES[Math.min(depth, LEADER_TITLES.length - 1)] as readonly string[])
        : deptIndex === 0
          ? random.pick(EXECUTIVE_TITLES)
          : random.pick(template.titles);
    }
    for (const membership of user.memberships.slice(1)) {
      if (random.chance(0.5)) {
        const extraIndex = indexOf.get(membership.deptId) ?? 0;
        membership.title = random.pick((templates[extraIndex] as DivisionTemplate).titles);
      }
    }
    // The direct manager is the main department's leader, or the parent department's for the leader themself.
    if (i !== 0 && random.chance(0.75)) {
      const dept = departments[deptIndex] as OrgDepartment;
      const manager = leads ? leaderOf.get(dept.parentId) : leaderOf.get(dept.deptId);
      if (manager && manager !== user) user.managerUserid = manager.userid;
    }
  });
}

function pickLeaders(random: Random, members: OrgUser[]): OrgUser[] {
  const roll = random.next();
  if (roll < 0.04) return [];
  const first = members[0] as OrgUser;
  if (roll > 0.96 && members.length > 1) return [first, members[1] as OrgUser];
  return [first];
}

function membershipIn(user: OrgUser, deptId: number): Membership {
  return user.memberships.find((m) => m.deptId === deptId) as Membership;
}

export function newMembership(deptId: number, joinedAt: number): Membership {
  return { deptId, order: 0, leader: false, title: undefined, joinedAt };
}

/** Index of the first value in ascending `values` greater than `target`, clamped to the last index. */
function lowerBound(values: number[], target: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((values[mid] as number) > target) high = mid;
    else low = mid + 1;
  }
  return low;
}
