/**
 * The wizard's mapping preview: a field mapping and matching rules, not yet saved, tried on a few real people of the
 * binding's organization. It reads a handful of DingTalk pages (never a crawl) and the local accounts those people
 * could meet, and says per person what the next sync would do — with the sync's own mapping and matching code, so
 * the preview cannot disagree with the run.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, JsonValue } from '../db/index.ts';
import type { DingTalkClient } from '../dingtalk/index.ts';
import {
  ACCOUNT_COLUMNS,
  comparableText,
  crawlRootsOf,
  evaluateExpression,
  fieldChanges,
  fieldsOf,
  initialFieldValues,
  mapUserRecord,
  matchAccounts,
  ROOT_DEPT_ID,
  type AccountFieldValues,
  type AccountRow,
  type FieldMapping,
  type MatchingRule,
  type MatchOutcome,
  type SyncScope,
} from '../sync/index.ts';
import type { MappingPreview, PreviewOutcome } from './binding-contract.ts';

/** Departments read at most: the first one the binding syncs, then its sub-departments, until enough people are found. */
const PREVIEW_DEPARTMENTS = 4;

export interface PreviewTarget {
  bindingId: string;
  scope: SyncScope;
  mapping: FieldMapping;
  matching: MatchingRule[];
  /** How many people to show (≤ 20: one `v2/user/list` page each). */
  limit: number;
}

/**
 * What the next sync would do with a sample of real people, under `target.mapping` and `target.matching`.
 *
 * @example
 * const preview = await previewMapping(db, client, { bindingId, scope, mapping, matching, limit: 10 }, new Date());
 * preview.people.map((person) => person.outcome.kind); // ['create', 'matched', …]
 */
export async function previewMapping(db: Kysely<Database>, client: DingTalkClient, target: PreviewTarget, now: Date): Promise<MappingPreview> {
  const { departments, people } = await samplePeople(client, target);
  const accounts = await accountsMet(db, target, people);
  const linkedByUserid = new Map(accounts.flatMap((account) => (account.linkedUserid === null ? [] : [[account.linkedUserid, account] as const])));
  const byId = new Map(accounts.map((account) => [account.id, account]));
  const candidates = accounts.filter((account) => account.linkedUserid === null);

  const mapped = new Map(people.map((person) => [person.userid, mapUserRecord(target.mapping, person.record)]));
  const unlinked = people.filter((person) => !linkedByUserid.has(person.userid));
  const matches = new Map(matchAccounts(unlinked, candidates, target.matching).map((outcome) => [outcome.userid, outcome]));

  const outcomeOf = (userid: string): PreviewOutcome => {
    const values = mapped.get(userid) ?? {};
    const linked = linkedByUserid.get(userid);
    if (linked !== undefined) {
      return { kind: 'linked', account: shown(linked), changes: fieldChanges(target.mapping, values, linked.fields).map((c) => c.field) };
    }
    const match: MatchOutcome = matches.get(userid) ?? { userid, outcome: 'none' };
    const account = (id: string) => shown(byId.get(id)!);
    switch (match.outcome) {
      case 'matched':
        return { kind: 'matched', account: account(match.accountId), rule: match.rule };
      case 'ambiguous':
        return { kind: 'ambiguous', rule: match.rule, candidates: match.candidateIds.map(account) };
      case 'contested':
        return { kind: 'contested', rule: match.rule, account: account(match.accountId), rivals: match.rivals };
      case 'none': {
        const { values: initial, missing } = initialFieldValues(target.mapping, values);
        if (missing.length > 0) return { kind: 'missing_required', fields: missing };
        const username = comparableText('username', initial['username'] ?? null);
        const holder = accounts.find((a) => comparableText('username', a.fields.username) === username);
        return holder === undefined ? { kind: 'create' } : { kind: 'username_taken', account: shown(holder) };
      }
    }
  };

  return {
    bindingId: target.bindingId,
    departments,
    people: people.map((person) => ({
      userid: person.userid,
      dingtalk: person.record as Record<string, JsonValue>,
      mapped: Object.fromEntries(Object.entries(mapped.get(person.userid) ?? {}).map(([key, value]) => [key, value ?? null])),
      outcome: outcomeOf(person.userid),
    })),
    fetchedAt: now.toISOString(),
  };
}

interface SampledPerson {
  userid: string;
  record: Record<string, unknown>;
}

/** The first page of the binding's first department, then of its sub-departments while fewer than `limit` were found. */
async function samplePeople(client: DingTalkClient, target: PreviewTarget): Promise<{ departments: number[]; people: SampledPerson[] }> {
  const queue = [crawlRootsOf(target.scope)[0] ?? ROOT_DEPT_ID];
  const departments: number[] = [];
  const people = new Map<string, SampledPerson>();
  while (queue.length > 0 && departments.length < PREVIEW_DEPARTMENTS && people.size < target.limit) {
    const deptId = queue.shift()!;
    const page = await client.users.listPage({ deptId, cursor: 0, size: target.limit });
    departments.push(deptId);
    for (const user of page.list) {
      if (people.size < target.limit && !people.has(user.userid)) people.set(user.userid, { userid: user.userid, record: user });
    }
    // Root departments often have few direct members: look one level down.
    if (departments.length === 1 && people.size < target.limit) queue.push(...(await client.departments.listSubIds(deptId)));
  }
  return { departments, people: [...people.values()] };
}

interface MetAccount {
  id: string;
  fields: AccountFieldValues;
  /** The userid this account is linked to in this binding, else null (a matching candidate). */
  linkedUserid: string | null;
}

/**
 * The local accounts the sampled people could meet: those linked to them in this binding, and those holding a value
 * a matching rule or a new username would compare with. The SQL filter is loose (mobiles by their last 8 digits);
 * `matchAccounts` then compares exactly, as the sync does.
 */
async function accountsMet(db: Kysely<Database>, target: PreviewTarget, people: readonly SampledPerson[]): Promise<MetAccount[]> {
  if (people.length === 0) return [];
  const keys = new Map<string, Set<string>>();
  const add = (field: string, value: string | null): void => {
    const key = comparableText(field, value);
    if (key === null) return;
    const set = keys.get(field) ?? new Set<string>();
    set.add(field === 'mobile' ? key.slice(-8) : key);
    keys.set(field, set);
  };
  for (const person of people) {
    for (const rule of target.matching) add(rule.field, evaluateExpression(rule.source, person.record));
    add('username', mapUserRecord(target.mapping, person.record).username ?? null);
  }
  const conditions = [...keys].map(([field, values]) => {
    const list = [...values];
    if (field.startsWith('attributes.')) return sql`trim(a.attributes ->> ${field.slice('attributes.'.length)}) = any(${list}::text[])`;
    const column = sql.ref(`a.${ACCOUNT_COLUMNS[field as keyof typeof ACCOUNT_COLUMNS]}`);
    if (field === 'mobile') return sql`right(regexp_replace(${column}, '[^0-9]', '', 'g'), 8) = any(${list}::text[])`;
    if (field === 'email' || field === 'username') return sql`lower(trim(${column})) = any(${list}::text[])`;
    return sql`trim(${column}) = any(${list}::text[])`;
  });
  const userids = people.map((person) => person.userid);
  const linked = sql`a.id in (select local_id from external_identities
    where binding_id = ${target.bindingId} and kind = 'dingtalk_user' and external_id = any(${userids}::text[]))`;
  const rows = await sql<AccountRow & { linked_userid: string | null }>`
    select a.id, a.username, a.display_name, a.email, a.mobile, a.job_number, a.title, a.status, a.attributes,
      false as main_elsewhere,
      (select ei.external_id from external_identities ei
        where ei.binding_id = ${target.bindingId} and ei.kind = 'dingtalk_user' and ei.local_id = a.id) as linked_userid
    from accounts a
    where ${sql.join([linked, ...conditions], sql` or `)}
    order by a.id
    limit 1000`.execute(db);
  return rows.rows.map((row) => ({ id: row.id, fields: fieldsOf(row), linkedUserid: row.linked_userid }));
}

function shown(account: MetAccount): { id: string; username: string; displayName: string } {
  return { id: account.id, username: account.fields.username, displayName: account.fields.displayName };
}
