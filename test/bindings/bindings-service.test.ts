/**
 * The bindings service on both databases against the real emulator over HTTP: add (verified), list, show, update,
 * remove, the sealed secret, and `check` with everything granted, a revoked permission and a narrowed scope.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBindings, type Bindings, type BindingView } from '../../src/bindings/index.ts';
import { createSecretBox, SecretKey } from '../../src/config/index.ts';
import { isAppError, type AppError } from '../../src/core/index.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { useEmulator } from '../support/emulator.ts';

const APP_SECRET = 'topsecret-binding-app-secret-42';
const emulator = useEmulator({ seed: 'bindings', users: 60, appSecret: APP_SECRET });

interface OrgDump {
  departments: { dept_id: number; name: string; parent_id: number | null }[];
}
let departments: OrgDump['departments'] = [];
beforeAll(async () => {
  departments = (await emulator.control<OrgDump>('GET', '/org')).departments;
});

afterEach(async () => {
  await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, {
    granted: ['qyapi_get_department_list', 'qyapi_get_member', 'qyapi_get_department_member'],
  });
  await emulator.control('PUT', `/apps/${emulator.appKey}/scope`, { authedDept: [1], authedUser: [] });
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw error;
  return error;
}

describeEachDatabase('bindings service', ({ database }) => {
  const key = new SecretKey(randomBytes(32), 'env');
  /** Everything the service said to the outside: views, reports, errors, log lines, call records. */
  const outputs: string[] = [];
  let bindings: Bindings;

  beforeAll(() => {
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (outputs.push(chunk.toString()), done()) }));
    bindings = createBindings({
      db: database().db,
      secretBox: createSecretBox(key),
      logger,
      clientOptions: { onCall: (info) => outputs.push(JSON.stringify(info)) },
      publicUrl: 'https://idp.example.com/dingbridge',
      createTargetUnit: async (name, trx) => {
        const id = randomUUID();
        await trx.insertInto('units').values({ id, name, parent_id: null }).execute();
        return id;
      },
    });
  });

  /** Runs an operation and records what came out of it, success or error. */
  async function observed<T>(promise: Promise<T>): Promise<T> {
    try {
      const value = await promise;
      outputs.push(JSON.stringify(value));
      return value;
    } catch (error) {
      if (error instanceof Error) outputs.push(error.message, JSON.stringify(error), JSON.stringify((error as AppError).details ?? {}));
      throw error;
    }
  }

  const base = () => ({ name: 'Acme', corpId: emulator.corpId, appKey: emulator.appKey, appSecret: APP_SECRET, apiBase: emulator.url });
  const counts = async () => {
    const db = database().db;
    const [b, u] = await Promise.all([
      db.selectFrom('bindings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('units').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { bindings: Number(b.n), units: Number(u.n) };
  };

  let acme: BindingView;

  it('refuses a wrong AppSecret with the client’s invalid_credentials error and a hint, storing nothing', async () => {
    const before = await counts();
    const error = await rejection(observed(bindings.add({ ...base(), appSecret: 'not-the-secret' })));
    expect(error.code).toBe('dingtalk.invalid_credentials');
    expect(error.details.hint).toMatch(/AppKey/);
    expect(await counts()).toEqual(before);
  });

  it('refuses a CorpId the app is not installed in (binding.corp_id_mismatch, 400), storing nothing', async () => {
    const before = await counts();
    const error = await rejection(observed(bindings.add({ ...base(), corpId: 'dingsomeoneelse' })));
    expect(error.code).toBe('binding.corp_id_mismatch');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/dingsomeoneelse.*CorpId/s);
    expect(await counts()).toEqual(before);
  });

  it('refuses an invalid body naming the fields, and a bad mapping expression naming the target', async () => {
    const body = await rejection(observed(bindings.add({ ...base(), name: '', colour: 'red' } as never)));
    expect(body.code).toBe('binding.invalid');
    expect(body.status).toBe(400);
    expect(body.message).toMatch(/name:/);
    expect(body.message).toMatch(/colour/);
    expect(body.details.issues).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name', path: ['name'] })]));

    const mapping = await rejection(
      observed(
        bindings.add({
          ...base(),
          mapping: { username: { source: 'userid' }, displayName: { source: 'name' }, email: { source: 'org_email ||' } },
        }),
      ),
    );
    expect(mapping.code).toBe('binding.invalid');
    expect(mapping.message).toMatch(/mapping\.email\.source: not a mapping expression/);
    // A refused secret is named, never echoed (the last test checks every recorded output for it).
    const longSecret = await rejection(observed(bindings.add({ ...base(), appSecret: APP_SECRET.repeat(20) })));
    expect(longSecret.message).toMatch(/appSecret:/);
    const matching = await rejection(observed(bindings.add({ ...base(), matching: ['nickname'] })));
    expect(matching.message).toMatch(/matching\.0/);
  });

  it('adds a verified binding: target unit created, defaults canonical, secret sealed', async () => {
    acme = await observed(bindings.add({ ...base(), agentId: emulator.agentId, matching: ['mobile', { source: 'extension.工号', field: 'jobNumber' }] }));
    expect(acme).toMatchObject({
      name: 'Acme',
      corpId: emulator.corpId,
      appKey: emulator.appKey,
      appSecretSet: true,
      agentId: emulator.agentId,
      apiBase: { oapi: emulator.url, api: emulator.url, login: emulator.url },
      scope: { kind: 'all' },
      thresholds: { maxDeletes: 50, maxDeletePercent: 10 },
      leaverPolicy: { deleteAfterDays: null },
      matching: ['mobile', { name: 'extension.工号 = jobNumber', source: 'extension.工号', field: 'jobNumber' }],
    });
    expect((acme.mapping as Record<string, unknown>).email).toEqual({ source: 'org_email | email', mode: 'dingtalk' });
    const unit = await database().db.selectFrom('units').selectAll().where('id', '=', acme.targetUnitId).executeTakeFirstOrThrow();
    expect(unit.name).toBe('Acme');
  });

  it('keeps the AppSecret sealed at rest: the raw column is not the secret, another key or row cannot open it', async () => {
    const row = await database().db.selectFrom('bindings').selectAll().where('id', '=', acme.id).executeTakeFirstOrThrow();
    expect(row.app_secret_enc).not.toContain(APP_SECRET);
    expect(row.app_secret_enc).toMatch(/^v1\./);
    expect(createSecretBox(key).open(row.app_secret_enc, `binding:${acme.id}:app_secret`)).toBe(APP_SECRET);
    const otherKey = createSecretBox(new SecretKey(randomBytes(32), 'env'));
    expect(() => otherKey.open(row.app_secret_enc, `binding:${acme.id}:app_secret`)).toThrow(expect.objectContaining({ code: 'secret.wrong_key' }));
    expect(() => createSecretBox(key).open(row.app_secret_enc, `binding:${randomUUID()}:app_secret`)).toThrow(
      expect.objectContaining({ code: 'secret.corrupt' }),
    );
  });

  it('refuses a second binding of the same organization, also when two race', async () => {
    const error = await rejection(observed(bindings.add({ ...base(), name: 'Acme again' }, { verify: false })));
    expect(error.code).toBe('binding.corp_id_taken');
    expect(error.status).toBe(409);
    expect(error.message).toContain(acme.id);

    const before = await counts();
    const race = await Promise.allSettled([
      bindings.add({ ...base(), name: 'Race A', corpId: 'dingrace' }, { verify: false }),
      bindings.add({ ...base(), name: 'Race B', corpId: 'dingrace' }, { verify: false }),
    ]);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = race.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect((lost.reason as AppError).code).toBe('binding.corp_id_taken');
    // The loser's target unit went with its transaction.
    expect(await counts()).toEqual({ bindings: before.bindings + 1, units: before.units + 1 });
  });

  it('translates the corp_id unique constraint when another binding lands between the pre-check and the insert', async () => {
    const db = database().db;
    // DingTalk is stubbed here only to hold the gap open: while "verifying", the same CorpId gets bound directly.
    let raced = false;
    const stubFetch = async (input: string | URL | Request): Promise<Response> => {
      if (!raced) {
        raced = true;
        const unitId = randomUUID();
        await db.insertInto('units').values({ id: unitId, name: 'Raced', parent_id: null }).execute();
        await db
          .insertInto('bindings')
          .values({ id: randomUUID(), name: 'Raced', corp_id: 'dinggap', app_key: 'k', app_secret_enc: 'x', target_unit_id: unitId, scope: '{}', thresholds: '{}', leaver_policy: '{}', mapping: '{}', matching: '[]' })
          .execute();
      }
      const path = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url).pathname;
      const body = path.endsWith('/accessToken')
        ? { accessToken: 't', expireIn: 7200 }
        : path.endsWith('/token')
          ? { access_token: 't', expires_in: 7200 }
          : { errcode: 0, auth_org_scopes: { authed_dept: [1], authed_user: [] } };
      return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    };
    const racing = createBindings({
      db,
      secretBox: createSecretBox(key),
      clientOptions: { fetch: stubFetch },
      publicUrl: 'https://idp.example.com/dingbridge',
      createTargetUnit: async (name, trx) => {
        const id = randomUUID();
        await trx.insertInto('units').values({ id, name, parent_id: null }).execute();
        return id;
      },
    });
    const before = await counts();
    const error = await rejection(racing.add({ ...base(), name: 'Gap', corpId: 'dinggap' }));
    expect(error.code).toBe('binding.corp_id_taken');
    expect(error.status).toBe(409);
    // Only the raced binding and its unit: the losing transaction's target unit went with it.
    expect(await counts()).toEqual({ bindings: before.bindings + 1, units: before.units + 1 });
  });

  it('checks the target unit: unknown → unit.not_found, another binding’s → binding.target_taken, a free one is used', async () => {
    const missing = await rejection(bindings.add({ ...base(), corpId: 'dingt1', targetUnitId: randomUUID() }, { verify: false }));
    expect(missing.code).toBe('unit.not_found');
    expect(missing.status).toBe(404);
    const taken = await rejection(bindings.add({ ...base(), corpId: 'dingt1', targetUnitId: acme.targetUnitId }, { verify: false }));
    expect(taken.code).toBe('binding.target_taken');
    expect(taken.status).toBe(409);
    const unitId = randomUUID();
    await database().db.insertInto('units').values({ id: unitId, name: 'Existing', parent_id: null }).execute();
    const view = await bindings.add({ ...base(), name: 'Into existing', corpId: 'dingt1', targetUnitId: unitId }, { verify: false });
    expect(view.targetUnitId).toBe(unitId);
  });

  it('lists and shows; an unknown or malformed id is binding.not_found (404) pointing at `bindings list`', async () => {
    const all = await observed(bindings.list());
    expect(all.map((b) => b.name)).toContain('Acme');
    expect(await observed(bindings.show(acme.id))).toEqual(acme);
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const error = await rejection(bindings.show(id));
      expect(error.code).toBe('binding.not_found');
      expect(error.status).toBe(404);
      expect(error.message).toContain('dingbridge bindings list');
    }
  });

  it('checks a binding with everything granted: all ok, the write permission skipped', async () => {
    const report = await observed(bindings.check(acme.id));
    expect(report.items.map((i) => [i.key, i.status])).toEqual([
      ['credentials', 'ok'],
      ['corp_id', 'ok'],
      ['permission:qyapi_get_department_list', 'ok'],
      ['permission:qyapi_get_department_member', 'ok'],
      ['permission:qyapi_get_member', 'ok'],
      ['scope', 'ok'],
      ['permission:qyapi_manage_addresslist', 'skipped'],
    ]);
    expect(report.ok).toBe(true);
    expect(report.scope).toEqual({ departments: [1], users: [], wholeOrganization: true });
  });

  it('reports a revoked permission as missing, naming it, with what to enable', async () => {
    await emulator.control('PUT', `/apps/${emulator.appKey}/permissions`, { revoked: ['qyapi_get_member', 'qyapi_get_department_list'] });
    const report = await observed(bindings.check(acme.id));
    const byKey = new Map(report.items.map((i) => [i.key, i]));
    expect(report.ok).toBe(false);
    expect(byKey.get('credentials')!.status).toBe('ok');
    expect(byKey.get('permission:qyapi_get_department_member')!.status).toBe('ok');
    for (const permission of ['qyapi_get_member', 'qyapi_get_department_list']) {
      const item = byKey.get(`permission:${permission}`)!;
      expect(item.status).toBe('missing');
      expect(item.hint).toContain(permission);
    }
  });

  it('reports a narrowed app scope as missing for a whole-org binding, ok for a binding inside it', async () => {
    // A department below the root's child, and that child (outside the narrowed scope, since scope goes down only).
    const inside = departments.find((d) => d.parent_id !== null && d.parent_id !== 1)!;
    const outside = departments.find((d) => d.dept_id === inside.parent_id)!;
    await emulator.control('PUT', `/apps/${emulator.appKey}/scope`, { authedDept: [inside.dept_id], authedUser: [] });

    const whole = await observed(bindings.check(acme.id));
    const scopeItem = whole.items.find((i) => i.key === 'scope')!;
    expect(scopeItem.status).toBe('missing');
    expect(scopeItem.hint).toMatch(/scope/);
    expect(whole.scope).toEqual({ departments: [inside.dept_id], users: [], wholeOrganization: false });
    expect(whole.ok).toBe(false);

    await bindings.update(acme.id, { scope: { kind: 'departments', departments: [{ deptId: inside.dept_id }] } });
    const narrowed = await observed(bindings.check(acme.id));
    expect(narrowed.items.map((i) => i.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'skipped']);

    await bindings.update(acme.id, { scope: { kind: 'departments', departments: [{ deptId: inside.dept_id }, { deptId: outside.dept_id }] } });
    const partly = await observed(bindings.check(acme.id));
    const item = partly.items.find((i) => i.key === 'scope')!;
    expect(item.status).toBe('missing');
    expect(item.message).toContain(String(outside.dept_id));
    await bindings.update(acme.id, { scope: { kind: 'all' } });
  });

  it('reports failed credentials and skips everything after them', async () => {
    const broken = await bindings.add({ ...base(), name: 'Broken', corpId: 'dingbroken', appSecret: 'wrong-secret-value' }, { verify: false });
    const report = await observed(bindings.check(broken.id));
    expect(report.items[0]).toMatchObject({ key: 'credentials', status: 'failed' });
    expect(report.items[0]!.hint).toMatch(/AppKey/);
    expect(report.items.slice(1).every((i) => i.status === 'skipped')).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.scope).toBeNull();
  });

  it('updates partially; re-verifies changed credentials and keeps the row on failure; re-seals the secret', async () => {
    const renamed = await observed(bindings.update(acme.id, { name: 'Acme Corp', thresholds: { maxDeletes: 5 } }));
    expect(renamed).toMatchObject({ name: 'Acme Corp', thresholds: { maxDeletes: 5 }, appKey: emulator.appKey });
    const clientBefore = await bindings.clientOf(acme.id);
    expect(await bindings.clientOf(acme.id)).toBe(clientBefore); // a rename keeps the client (and its token)

    const rowBefore = await database().db.selectFrom('bindings').selectAll().where('id', '=', acme.id).executeTakeFirstOrThrow();
    const error = await rejection(observed(bindings.update(acme.id, { appSecret: 'a-wrong-new-secret' })));
    expect(error.code).toBe('dingtalk.invalid_credentials');
    const rowAfter = await database().db.selectFrom('bindings').selectAll().where('id', '=', acme.id).executeTakeFirstOrThrow();
    expect(rowAfter).toEqual(rowBefore);

    await observed(bindings.update(acme.id, { appSecret: APP_SECRET, mapping: { username: { source: 'userid' }, displayName: { source: 'name' } } }));
    const resealed = await database().db.selectFrom('bindings').selectAll().where('id', '=', acme.id).executeTakeFirstOrThrow();
    expect(resealed.app_secret_enc).not.toBe(rowBefore.app_secret_enc);
    expect(Object.keys(resealed.mapping as object)).toEqual(['username', 'displayName']);
    const clientAfter = await bindings.clientOf(acme.id);
    expect(clientAfter).not.toBe(clientBefore); // new credentials, new client
    expect((await clientAfter.auth.verifyCorp(emulator.corpId))).toBe('ok');

    const invalid = await rejection(bindings.update(acme.id, { corpId: 'dingother' } as never));
    expect(invalid.code).toBe('binding.invalid');
    const notFound = await rejection(bindings.update(randomUUID(), { name: 'x' }));
    expect(notFound.code).toBe('binding.not_found');

    const offline = await bindings.update(acme.id, { apiBase: null }, { verify: false });
    expect(offline.apiBase).toBeNull();
    expect((await bindings.clientOf(acme.id)).baseUrls.oapi).toBe('https://oapi.dingtalk.com');
    await bindings.update(acme.id, { apiBase: emulator.url });
  });

  it('gives the sync pipeline its parsed binding and the shared client', async () => {
    const context = await bindings.syncContext(acme.id);
    expect(context.binding).toMatchObject({ id: acme.id, corpId: emulator.corpId, targetUnitId: acme.targetUnitId, scope: { kind: 'all' } });
    expect(context.binding.matching.map((rule) => rule.name)).toEqual(['mobile', 'extension.工号 = jobNumber']);
    expect(context.thresholds).toEqual({ maxDeletes: 5 });
    expect(context.client).toBe(await bindings.clientOf(acme.id));
  });

  it('removes a binding with its links and runs; units and accounts stay as local objects', async () => {
    const db = database().db;
    const unitId = randomUUID();
    const accountId = randomUUID();
    const runId = randomUUID();
    await db.insertInto('units').values({ id: unitId, name: 'Sales', parent_id: acme.targetUnitId, binding_id: acme.id }).execute();
    await db.insertInto('accounts').values({ id: accountId, username: 'ann', display_name: 'Ann' }).execute();
    await db
      .insertInto('external_identities')
      .values([
        { binding_id: acme.id, kind: 'dingtalk_user', external_id: 'ann', unionid: 'u-ann', local_id: accountId },
        { binding_id: acme.id, kind: 'dingtalk_dept', external_id: '2', unionid: null, local_id: unitId },
      ])
      .execute();
    await db.insertInto('sync_runs').values({ id: runId, binding_id: acme.id, kind: 'full' }).execute();

    expect(await observed(bindings.remove(acme.id))).toEqual({ id: acme.id, unlinkedAccounts: 1, unlinkedUnits: 1 });
    expect(await db.selectFrom('external_identities').selectAll().where('binding_id', '=', acme.id).execute()).toEqual([]);
    expect(await db.selectFrom('sync_runs').selectAll().where('id', '=', runId).execute()).toEqual([]);
    expect((await db.selectFrom('units').selectAll().where('id', '=', unitId).executeTakeFirstOrThrow()).binding_id).toBeNull();
    expect(await db.selectFrom('units').selectAll().where('id', '=', acme.targetUnitId).executeTakeFirst()).toBeDefined();
    expect(await db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst()).toBeDefined();
    expect((await rejection(bindings.show(acme.id))).code).toBe('binding.not_found');
    expect((await rejection(bindings.remove(acme.id))).code).toBe('binding.not_found');
  });

  it('never let the AppSecret out: no view, report, error or log line contains it', () => {
    expect(outputs.length).toBeGreaterThan(20);
    expect(outputs.some((line) => line.includes('binding added'))).toBe(true);
    for (const line of outputs) expect(line).not.toContain(APP_SECRET);
  });
});

describe('emulator reachability for the bindings suite', () => {
  it('serves the seeded app', () => {
    expect(emulator.appSecret).toBe(APP_SECRET);
  });
});
