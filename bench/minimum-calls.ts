/**
 * The fewest DingTalk calls a full crawl of an emulated organization can make (DESIGN.md "Sync, in numbers"): one
 * `listsub` per department, one `v2/user/list` page per 100 direct members (at least one per department), plus
 * the token. Read from the emulator's organization dump (a test aid, not a DingTalk call).
 */
export interface MinimumCalls {
  users: number;
  departments: number;
  listsub: number;
  userList: number;
  token: number;
  total: number;
}

interface EmulatedOrg {
  departments: { dept_id: number }[];
  users: { userid: string; depts: { dept_id: number }[] }[];
}

export async function minimumCallsOf(emulatorUrl: string): Promise<MinimumCalls> {
  const org = (await (await fetch(`${emulatorUrl}/_emulator/org`)).json()) as EmulatedOrg;
  const direct = new Map<number, number>(org.departments.map((d) => [d.dept_id, 0]));
  for (const user of org.users) for (const m of user.depts) direct.set(m.dept_id, (direct.get(m.dept_id) ?? 0) + 1);
  let userList = 0;
  for (const members of direct.values()) userList += Math.max(1, Math.ceil(members / 100));
  return {
    users: org.users.length,
    departments: org.departments.length,
    listsub: direct.size,
    userList,
    token: 1,
    total: direct.size + userList + 1,
  };
}

/** The rate-limit bound of a crawl: the busiest API's calls over the QPS (token calls left out). */
export function boundSecondsOf(byApi: Record<string, number>, qps: number): number {
  const perApi = Object.entries(byApi).filter(([api]) => !api.includes('oauth2') && api !== 'gettoken');
  return Math.max(...perApi.map(([, n]) => n)) / qps;
}
