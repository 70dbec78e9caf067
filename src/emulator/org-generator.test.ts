import { describe, expect, it } from 'vitest';
import { defaultDeptCount, generateOrg, levelCounts } from './org-generator.ts';
import { ROOT_DEPT_ID, type OrgData, type OrgDepartment } from './org-types.ts';

function depthOf(org: OrgData): Map<number, number> {
  const byId = new Map(org.departments.map((d) => [d.deptId, d]));
  const depth = new Map<number, number>();
  for (const dept of org.departments) {
    let levels = 1;
    for (let d: OrgDepartment | undefined = dept; d && d.parentId !== 0; d = byId.get(d.parentId)) levels++;
    depth.set(dept.deptId, levels);
  }
  return depth;
}

/** Checks every structural invariant the wire relies on; returns a few figures for further assertions. */
function checkInvariants(org: OrgData): { maxMembers: number; multiShare: number; levels: number } {
  const depts = new Map(org.departments.map((d) => [d.deptId, d]));
  expect(depts.size).toBe(org.departments.length);
  const root = depts.get(ROOT_DEPT_ID)!;
  expect(root.name).toBe(org.corpName);
  expect(root.parentId).toBe(0);

  for (const dept of org.departments) {
    expect(Number.isSafeInteger(dept.deptId)).toBe(true);
    expect(dept.name).not.toMatch(/[-，,]/);
    expect([...dept.name].length).toBeLessThanOrEqual(64);
    if (dept.deptId !== ROOT_DEPT_ID) expect(depts.get(dept.parentId)?.children).toContain(dept);
    expect(new Set(dept.children.map((c) => c.name)).size).toBe(dept.children.length);
    const orders = dept.members.map((u) => u.memberships.find((m) => m.deptId === dept.deptId)!.order);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
    expect(new Set(dept.members).size).toBe(dept.members.length);
    const leaders = dept.members.filter((u) => u.memberships.find((m) => m.deptId === dept.deptId)!.leader);
    expect(leaders.length).toBeLessThanOrEqual(2);
  }

  for (const key of ['userid', 'unionid', 'mobile'] as const) {
    expect(new Set(org.users.map((u) => u[key])).size).toBe(org.users.length);
  }
  const emails = org.users.map((u) => u.email).filter((e) => e !== undefined);
  expect(new Set(emails).size).toBe(emails.length);
  let multi = 0;
  let maxMembers = 0;
  for (const user of org.users) {
    expect(user.userid).toMatch(/^[a-z0-9]{1,64}$/);
    expect(user.mobile).toMatch(/^1[3-9]\d{9}$/);
    expect(user.memberships.length).toBeGreaterThan(0);
    expect(user.memberships.map((m) => m.deptId)).toContain(user.mainDeptId);
    for (const membership of user.memberships) expect(depts.get(membership.deptId)?.members).toContain(user);
    if (user.managerUserid) expect(user.managerUserid).not.toBe(user.userid);
    if (user.memberships.length > 1) multi++;
  }
  for (const dept of org.departments) maxMembers = Math.max(maxMembers, dept.members.length);
  const memberships = org.departments.reduce((sum, d) => sum + d.members.length, 0);
  expect(memberships).toBe(org.users.reduce((sum, u) => sum + u.memberships.length, 0));
  expect(org.users.filter((u) => u.boss)).toHaveLength(1);
  return { maxMembers, multiShare: multi / org.users.length, levels: Math.max(...depthOf(org).values()) };
}

describe('generateOrg', () => {
  it('generates 100,000 people in a realistic, consistent organization', () => {
    const org = generateOrg({ seed: 'scale', users: 100_000, depts: defaultDeptCount(100_000) });
    expect(org.users).toHaveLength(100_000);
    expect(org.departments).toHaveLength(4000);
    const { maxMembers, multiShare, levels } = checkInvariants(org);
    expect(maxMembers).toBeGreaterThan(250);
    expect(multiShare).toBeGreaterThan(0.05);
    expect(multiShare).toBeLessThan(0.1);
    expect(levels).toBeGreaterThanOrEqual(4);
    expect(levels).toBeLessThanOrEqual(6);
    const bigDepts = org.departments.filter((d) => d.members.length > 250);
    expect(bigDepts.length).toBeGreaterThan(5);
    // Most departments with members have exactly one leader.
    const withMembers = org.departments.filter((d) => d.members.length > 0);
    const oneLeader = withMembers.filter((d) => d.members.filter((u) => u.memberships.find((m) => m.deptId === d.deptId)!.leader).length === 1);
    expect(oneLeader.length / withMembers.length).toBeGreaterThan(0.85);
    // Optional fields are empty for part of the people, present for the others.
    for (const key of ['email', 'orgEmail', 'telephone', 'workPlace', 'remark', 'extension', 'avatar', 'managerUserid', 'hiredDate'] as const) {
      const present = org.users.filter((u) => u[key] !== undefined).length;
      expect(present, key).toBeGreaterThan(0);
      expect(present, key).toBeLessThan(org.users.length);
    }
    const active = org.users.filter((u) => u.active).length / org.users.length;
    expect(active).toBeGreaterThan(0.85);
    expect(active).toBeLessThan(1);
    expect(org.users.filter((u) => u.admin).length).toBeGreaterThan(1);
  });

  it('at the default size has a department with more than 100 direct members and 4+ levels', () => {
    const org = generateOrg({ seed: 'dingbridge', users: 200, depts: defaultDeptCount(200) });
    expect(org.departments).toHaveLength(8);
    const { maxMembers, levels } = checkInvariants(org);
    expect(maxMembers).toBeGreaterThan(100);
    expect(levels).toBeGreaterThanOrEqual(4);
  });

  it('at 10,000 people has a department with more than 250 direct members', () => {
    const org = generateOrg({ seed: 'ten-thousand', users: 10_000, depts: defaultDeptCount(10_000) });
    expect(checkInvariants(org).maxMembers).toBeGreaterThan(250);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateOrg({ seed: 'same', users: 500, depts: 20 });
    const b = generateOrg({ seed: 'same', users: 500, depts: 20 });
    const c = generateOrg({ seed: 'other', users: 500, depts: 20 });
    expect(JSON.stringify(b.users)).toBe(JSON.stringify(a.users));
    expect(b.departments.map((d) => [d.deptId, d.name, d.parentId])).toEqual(a.departments.map((d) => [d.deptId, d.name, d.parentId]));
    expect(c.users[0]?.userid).not.toBe(a.users[0]?.userid);
  });

  it('handles tiny organizations', () => {
    for (const [users, depts] of [[1, 1], [1, 5], [3, 2], [50, 200]] as const) {
      const org = generateOrg({ seed: 'tiny', users, depts });
      expect(org.users).toHaveLength(users);
      expect(org.departments).toHaveLength(depts);
      checkInvariants(org);
    }
  });

  it('spreads departments over levels so that the sum matches', () => {
    for (const n of [1, 4, 7, 11, 19, 20, 399, 3999]) {
      const counts = levelCounts(n);
      expect(counts.reduce((sum, c) => sum + c, 0)).toBe(n);
      expect(counts.every((c) => c >= 1)).toBe(true);
    }
  });
});
