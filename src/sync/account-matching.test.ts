import { describe, expect, it } from 'vitest';
import { matchAccounts, matchingRulesSchema, presetRule, type MatchCandidate } from './account-matching.ts';
import type { AccountFieldValues } from './local-directory-view.ts';

function candidate(id: string, fields: Partial<AccountFieldValues>): MatchCandidate {
  return {
    id,
    fields: { username: id, displayName: id, email: null, mobile: null, jobNumber: null, title: null, attributes: {}, ...fields },
  };
}

const li = { userid: 'li', record: { userid: 'li', state_code: '86', mobile: '13900000001', email: 'Li@Example.com', job_number: 'E1' } };

describe('matchingRulesSchema', () => {
  it('takes preset names and custom rules, in order', () => {
    const rules = matchingRulesSchema.parse(['mobile', { source: 'extension.工号', field: 'jobNumber' }, { name: 'hr id', source: 'job_number', field: 'attributes.hrId' }]);
    expect(rules.map((r) => [r.name, r.field])).toEqual([
      ['mobile', 'mobile'],
      ['extension.工号 = jobNumber', 'jobNumber'],
      ['hr id', 'attributes.hrId'],
    ]);
  });

  it('defaults to no rule and rejects unknown presets and bad expressions', () => {
    expect(matchingRulesSchema.parse(undefined)).toEqual([]);
    expect(matchingRulesSchema.safeParse(['phone']).success).toBe(false);
    expect(matchingRulesSchema.safeParse([{ source: 'a..b', field: 'email' }]).success).toBe(false);
    expect(matchingRulesSchema.safeParse([{ source: 'email', field: 'password' }]).success).toBe(false);
  });
});

describe('matchAccounts', () => {
  const rules = [presetRule('mobile'), presetRule('email'), presetRule('job_number')];

  it('matches by the first rule that finds exactly one account, comparing normalized values', () => {
    const candidates = [candidate('a1', { mobile: '139-0000-0001' }), candidate('a2', { email: 'li@example.COM' })];
    expect(matchAccounts([li], candidates, rules)).toEqual([{ userid: 'li', outcome: 'matched', accountId: 'a1', rule: 'mobile' }]);
  });

  it('goes on to the next rule when a rule finds nobody or the person has no value for it', () => {
    const candidates = [candidate('a2', { email: ' li@example.com ' })];
    expect(matchAccounts([li], candidates, rules)[0]).toMatchObject({ outcome: 'matched', accountId: 'a2', rule: 'email' });
    const noMobile = { userid: 'li', record: { email: 'li@example.com' } };
    expect(matchAccounts([noMobile], [candidate('a3', { email: 'li@example.com' })], rules)[0]).toMatchObject({ accountId: 'a3' });
  });

  it('stops at a rule that finds several accounts: no match, the candidates go to review', () => {
    const candidates = [candidate('b', { mobile: '+86 13900000001' }), candidate('a', { mobile: '13900000001' }), candidate('c', { email: 'li@example.com' })];
    expect(matchAccounts([li], candidates, rules)).toEqual([{ userid: 'li', outcome: 'ambiguous', rule: 'mobile', candidateIds: ['a', 'b'] }]);
  });

  it('refuses an account two people would claim in one run, whichever comes first', () => {
    const twin = { userid: 'li2', record: { email: 'li@example.com' } };
    const candidates = [candidate('a', { email: 'li@example.com' })];
    const outcomes = matchAccounts([twin, li], candidates, rules);
    expect(outcomes).toEqual([
      { userid: 'li2', outcome: 'contested', rule: 'email', accountId: 'a', rivals: ['li'] },
      { userid: 'li', outcome: 'contested', rule: 'email', accountId: 'a', rivals: ['li2'] },
    ]);
  });

  it('matches nobody without rules, and never on empty values', () => {
    expect(matchAccounts([li], [candidate('a', { mobile: '13900000001' })], [])).toEqual([{ userid: 'li', outcome: 'none' }]);
    const blank = { userid: 'x', record: { job_number: '  ' } };
    expect(matchAccounts([blank], [candidate('a', { jobNumber: '' })], rules)).toEqual([{ userid: 'x', outcome: 'none' }]);
  });

  it('compares usernames ignoring case', () => {
    expect(matchAccounts([{ userid: 'Li', record: { userid: 'Li' } }], [candidate('li', {})], [presetRule('username')])[0]).toMatchObject({
      outcome: 'matched',
      accountId: 'li',
    });
  });
});
