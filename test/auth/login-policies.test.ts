/**
 * The binding's sign-in policies other than the default (issue 6): `outsiders: 'allow'` lets a DingTalk account
 * from outside the organization in as a guest account (one per unionid, found again on the next sign-in), and
 * `provisionOnLogin: 'create'` creates a member who has not been synced yet, linked to their userid and in the
 * binding's target unit, so that the next full sync finds them linked instead of creating a second account.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { Browser, pickOnDingTalk, startAuthHarness, type AuthHarness } from './auth-harness.ts';

interface OrgUser {
  userid: string;
  unionid: string;
  name: string;
}

describeEachDatabase('sign-in policies: outsiders allowed, members provisioned on sign-in', ({ database }) => {
  const emulator = useEmulator({ seed: 'auth-policies', users: 20, qps: 0 });
  let harness: AuthHarness;

  beforeAll(async () => {
    harness = await startAuthHarness(database(), emulator);
    await harness.app.api.bindings.update(harness.binding.id, {
      login: { methods: ['qr'], outsiders: 'allow', provisionOnLogin: 'create' },
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  async function qrSignIn(who: { userid: string } | { stranger: true }) {
    const end = await new Browser().follow(`${harness.baseUrl}/login/dingtalk/${harness.binding.id}?return_to=/login`, {
      onDingTalk: pickOnDingTalk(emulator, who),
    });
    return { status: end.response?.status, html: await end.response!.text() };
  }

  const accountCount = async () =>
    Number((await database().db.selectFrom('accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('lets a stranger in as one guest account, found again on the next sign-in', async () => {
    const before = await accountCount();
    const first = await qrSignIn({ stranger: true });
    expect(first.status).toBe(200);
    expect(first.html).toContain('data-testid="signed-in"');
    const guests = await database().db.selectFrom('auth_guests').selectAll().where('binding_id', '=', harness.binding.id).execute();
    expect(guests).toHaveLength(1);
    const guest = await database().db.selectFrom('accounts').selectAll().where('id', '=', guests[0]!.account_id).executeTakeFirstOrThrow();
    expect(guest.username).toMatch(/^guest-[0-9a-f]{12}$/);
    expect(guest.status).toBe('enabled');
    // A guest is nobody's member and no DingTalk user: no link, no membership.
    const links = await database().db.selectFrom('external_identities').select('local_id').where('local_id', '=', guest.id).execute();
    expect(links).toHaveLength(0);

    const again = await qrSignIn({ stranger: true });
    expect(again.html).toContain('data-testid="signed-in"');
    expect(await accountCount()).toBe(before + 1);
  });

  it('creates a member not yet synced, linked and in the target unit; the next sync links, never duplicates', async () => {
    const created = await emulator.control<OrgUser>('POST', '/org/users', { name: '新同事', dept_id_list: [1], title: 'Engineer' });
    await emulator.control('POST', `/org/users/${created.userid}/activate`);
    const before = await accountCount();

    const signedIn = await qrSignIn({ userid: created.userid });
    expect(signedIn.status).toBe(200);
    expect(signedIn.html).toContain('data-testid="signed-in"');
    expect(await accountCount()).toBe(before + 1);
    const link = await database()
      .db.selectFrom('external_identities')
      .select(['local_id', 'unionid'])
      .where('binding_id', '=', harness.binding.id)
      .where('kind', '=', 'dingtalk_user')
      .where('external_id', '=', created.userid)
      .executeTakeFirstOrThrow();
    expect(link.unionid).toBe(created.unionid);
    const account = await database().db.selectFrom('accounts').selectAll().where('id', '=', link.local_id).executeTakeFirstOrThrow();
    expect(account).toMatchObject({ display_name: '新同事', title: 'Engineer', status: 'enabled' });
    const memberships = await database().db.selectFrom('memberships').select('unit_id').where('account_id', '=', account.id).execute();
    expect(memberships.map((m) => m.unit_id)).toEqual([harness.binding.targetUnitId]);

    // Signing in again finds the same account.
    await qrSignIn({ userid: created.userid });
    expect(await accountCount()).toBe(before + 1);

    // A full sync's plan treats the provisioned account as the person's own: nothing to create or link for them.
    // (A dry run: the harness's own full-sync job is still queued, so a second full run would collapse into it.)
    const run = await harness.app.api.runs.start(harness.binding.id, { dryRun: true });
    await harness.app.runs.execute(run.id);
    expect((await harness.app.api.runs.show(run.id)).status).toBe('succeeded');
    const ops = await harness.app.api.runs.ops(run.id);
    const theirs = ops.filter((op) => op.targetKind === 'account' && op.externalId === created.userid);
    expect(theirs.filter((op) => op.op === 'account.create' || op.op === 'account.link')).toEqual([]);
    expect(ops.filter((op) => op.op === 'account.create')).toEqual([]);
  });

  it('picks another username when the userid is already taken by a local account', async () => {
    const created = await emulator.control<OrgUser>('POST', '/org/users', { name: 'Namesake', dept_id_list: [1] });
    await emulator.control('POST', `/org/users/${created.userid}/activate`);
    const unit = await harness.app.api.units.add({ name: 'Local only', parentId: null });
    await harness.app.api.accounts.add({ username: created.userid, displayName: 'Local namesake', unitIds: [unit.id] });

    const signedIn = await qrSignIn({ userid: created.userid });
    expect(signedIn.html).toContain('data-testid="signed-in"');
    const link = await database()
      .db.selectFrom('external_identities')
      .select('local_id')
      .where('external_id', '=', created.userid)
      .executeTakeFirstOrThrow();
    const account = await database().db.selectFrom('accounts').select('username').where('id', '=', link.local_id).executeTakeFirstOrThrow();
    expect(account.username).toBe(`dingtalk-${created.userid}`);
  });
});
