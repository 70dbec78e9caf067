/**
 * The binding wizard's two API calls, in-process over HTTP (Fastify inject) on both databases, with the real bindings
 * service against the emulator: `POST /api/v1/bindings/test` (a live credential test that stores nothing and never
 * echoes the secret) and `POST /api/v1/bindings/:id/preview-mapping` (an unsaved mapping and matching rules tried on
 * real DingTalk people; bad expressions answered with the parser's own message, field by field).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type Bindings, type CredentialTestReport, type MappingPreview } from '../../src/bindings/index.ts';
import { parseExpression } from '../../src/sync/index.ts';
import { createTestBindings } from '../directory/directory-fixture.ts';
import { createInMemoryApi } from '../http/in-memory-api.ts';
import { GOOD_TOKEN, startTestServer } from '../http/test-server.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';

const APP_SECRET = 'wizard-app-secret-never-echoed-7';
const emulator = useEmulator({ seed: 'wizard-routes', users: 30, qps: 0, appSecret: APP_SECRET });

afterEach(async () => {
  await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { granted: ['qyapi_get_member', 'qyapi_get_department_member'] });
});

interface OrgUser {
  userid: string;
  name: string;
  mobile: string;
  state_code: string;
  dept_id_list: number[];
}

describeEachDatabase('binding wizard routes', ({ database }) => {
  let bindings: Bindings;
  let app: FastifyInstance;
  const auth = { authorization: `Bearer ${GOOD_TOKEN}` };

  beforeAll(async () => {
    bindings = createTestBindings(database().db);
    app = (await startTestServer({ api: { ...createInMemoryApi(), bindings } })).app;
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: auth, payload: payload as object });
  const credentials = () => ({ corpId: emulator.corpId, appKey: emulator.appKey, appSecret: APP_SECRET, apiBase: emulator.url });
  const rowCounts = async () => {
    const db = database().db;
    const count = async (table: 'bindings' | 'units' | 'accounts' | 'external_identities') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return { bindings: await count('bindings'), units: await count('units'), accounts: await count('accounts'), links: await count('external_identities') };
  };

  it('tests good credentials live, item by item, and stores nothing', async () => {
    const before = await rowCounts();
    const response = await post('/api/v1/bindings/test', credentials());
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain(APP_SECRET);
    const report = response.json<CredentialTestReport>();
    expect(report.bindingId).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.items.map((item) => [item.key, item.status])).toEqual([
      ['credentials', 'ok'],
      ['corp_id', 'ok'],
      ['permission:qyapi_get_department_list', 'ok'],
      ['permission:qyapi_get_department_member', 'ok'],
      ['permission:qyapi_get_member', 'ok'],
      ['scope', 'ok'],
      ['permission:qyapi_manage_addresslist', 'skipped'],
    ]);
    expect(await rowCounts()).toEqual(before);
  });

  it('names a permission the app lacks, with what to enable in DingTalk', async () => {
    await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: ['qyapi_get_member'] });
    const report = (await post('/api/v1/bindings/test', credentials())).json<CredentialTestReport>();
    expect(report.ok).toBe(false);
    const item = report.items.find((i) => i.key === 'permission:qyapi_get_member');
    expect(item).toMatchObject({ status: 'missing', hint: expect.stringContaining('qyapi_get_member') as unknown });
  });

  it('reports wrong credentials and a wrong CorpId as failed items, not as an error', async () => {
    const wrongSecret = (await post('/api/v1/bindings/test', { ...credentials(), appSecret: 'not-the-secret' })).json<CredentialTestReport>();
    expect(wrongSecret.ok).toBe(false);
    expect(wrongSecret.items[0]).toMatchObject({ key: 'credentials', status: 'failed' });
    expect(wrongSecret.items.slice(1).every((item) => item.status === 'skipped')).toBe(true);
    const wrongCorp = (await post('/api/v1/bindings/test', { ...credentials(), corpId: 'dingnotthisone' })).json<CredentialTestReport>();
    expect(wrongCorp.items.find((i) => i.key === 'corp_id')?.status).toBe('failed');
  });

  it('refuses a test body that lacks the secret or carries unknown keys, saying which', async () => {
    const missing = await post('/api/v1/bindings/test', { corpId: emulator.corpId, appKey: emulator.appKey });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('appSecret');
    const extra = await post('/api/v1/bindings/test', { ...credentials(), name: 'Acme' });
    expect(extra.statusCode).toBe(400);
    expect(extra.body).toContain('name');
    expect(extra.body).not.toContain(APP_SECRET);
  });

  it('previews an unsaved mapping and matching rules on real people, without writing anything', async () => {
    const binding = await bindings.add({ name: 'Preview corp', ...credentials() });
    const org = await emulator.control<{ users: OrgUser[] }>('GET', '/org');
    // An existing local account with the mobile of a real person: the `mobile` rule must find it.
    const preview0 = (await post(`/api/v1/bindings/${binding.id}/preview-mapping`, { limit: 5 })).json<MappingPreview>();
    const known = org.users.find((user) => user.userid === preview0.people[0]!.userid)!;
    const accountId = randomUUID();
    await database().db
      .insertInto('accounts')
      .values({ id: accountId, username: `local-${known.userid}`, display_name: 'Local person', mobile: known.mobile })
      .execute();
    const before = await rowCounts();
    const stored = await bindings.show(binding.id);

    const response = await post(`/api/v1/bindings/${binding.id}/preview-mapping`, {
      mapping: {
        username: { source: 'userid', mode: 'fill_if_empty' },
        displayName: { source: '"{name} ({userid})"' },
        'attributes.deptCount': { source: 'dept_id_list' },
      },
      matching: ['mobile'],
      limit: 5,
    });
    expect(response.statusCode).toBe(200);
    const preview = response.json<MappingPreview>();
    expect(preview.people.length).toBe(5);
    expect(preview.departments.length).toBeGreaterThanOrEqual(1);
    for (const person of preview.people) {
      const real = org.users.find((user) => user.userid === person.userid)!;
      expect(person.dingtalk.name).toBe(real.name);
      expect(person.mapped.username).toBe(real.userid);
      expect(person.mapped.displayName).toBe(`${real.name} (${real.userid})`);
    }
    const matched = preview.people.find((person) => person.userid === known.userid)!;
    expect(matched.outcome).toEqual({ kind: 'matched', rule: 'mobile', account: { id: accountId, username: `local-${known.userid}`, displayName: 'Local person' } });
    expect(preview.people.filter((person) => person.userid !== known.userid).every((person) => person.outcome.kind === 'create')).toBe(true);

    // Without the rule nobody matches; with another account holding the would-be username, that person is flagged.
    const other = preview.people.find((person) => person.userid !== known.userid)!;
    await database().db.insertInto('accounts').values({ id: randomUUID(), username: other.userid.toUpperCase(), display_name: 'Namesake' }).execute();
    const noRules = (await post(`/api/v1/bindings/${binding.id}/preview-mapping`, { matching: [], limit: 5 })).json<MappingPreview>();
    expect(noRules.people.find((person) => person.userid === known.userid)?.outcome.kind).toBe('create');
    expect(noRules.people.find((person) => person.userid === other.userid)?.outcome).toMatchObject({ kind: 'username_taken', account: { displayName: 'Namesake' } });

    expect(await rowCounts()).toEqual({ ...before, accounts: before.accounts + 1 });
    const after = await bindings.show(binding.id);
    expect({ mapping: after.mapping, matching: after.matching, updatedAt: after.updatedAt }).toEqual({
      mapping: stored.mapping,
      matching: stored.matching,
      updatedAt: stored.updatedAt,
    });
  });

  it('answers bad expressions with the parser’s own message, field by field', async () => {
    const binding = (await bindings.list())[0]!;
    const bad = 'org_email |';
    const parsed = parseExpression(bad);
    if (parsed.ok) throw new Error('the bad expression parsed');
    const response = await post(`/api/v1/bindings/${binding.id}/preview-mapping`, {
      mapping: { username: { source: 'userid' }, displayName: { source: 'name' }, email: { source: bad }, title: { source: '"{name' } },
      matching: [{ source: '{', field: 'email' }],
    });
    expect(response.statusCode).toBe(400);
    const error = response.json<{ error: { code: string; message: string; details: { issues: { field: string; message: string }[] } } }>().error;
    expect(error.code).toBe('binding.invalid');
    const byField = Object.fromEntries(error.details.issues.map((issue) => [issue.field, issue.message]));
    expect(byField['mapping.email.source']).toBe(`not a mapping expression: ${parsed.error.message}`);
    expect(byField['mapping.title.source']).toMatch(/^not a mapping expression: /);
    expect(Object.keys(byField).some((field) => field.startsWith('matching.0'))).toBe(true);
    expect(error.message).toContain('mapping.email.source');

    const target = await post(`/api/v1/bindings/${binding.id}/preview-mapping`, {
      mapping: { username: { source: 'userid' }, password: { source: 'userid' } },
    });
    const issues = target.json<{ error: { details: { issues: { field: string; message: string }[] } } }>().error.details.issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'mapping.password', message: 'passwords are never synced' }),
        expect.objectContaining({ field: 'mapping.displayName', message: 'displayName must be mapped: new accounts need it' }),
      ]),
    );
  });

  it('refuses a sample larger than 20 and an unknown binding', async () => {
    const binding = (await bindings.list())[0]!;
    expect((await post(`/api/v1/bindings/${binding.id}/preview-mapping`, { limit: 21 })).statusCode).toBe(400);
    const unknown = await post(`/api/v1/bindings/${randomUUID()}/preview-mapping`, {});
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe('binding.not_found');
  });
});
