/**
 * `dingbridge apps …` through a real server: the CLI's admin API client → `/api/v1/apps` → the apps service over a
 * test database. The secret of a confidential client is printed once and never listed again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdminApiClient } from '../../src/cli/admin-api-client.ts';
import { createAdminTokens } from '../../src/http/index.ts';
import { connectTo, runCli } from '../cli/cli-harness.ts';
import { useEmulator } from '../support/emulator.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { startAuthHarness, type AuthHarness } from './auth-harness.ts';

describeEachDatabase('dingbridge apps through the admin API', ({ database }) => {
  const emulator = useEmulator({ seed: 'auth-apps', users: 10, qps: 0 });
  let harness: AuthHarness;
  let connect: ReturnType<typeof connectTo>['connect'];

  beforeAll(async () => {
    harness = await startAuthHarness(database(), emulator);
    const { token } = await createAdminTokens({ db: harness.app.database.db }).create('test');
    ({ connect } = connectTo(createAdminApiClient({ baseUrl: harness.baseUrl, token })));
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('adds, lists, shows, updates and removes an application', async () => {
    const added = await runCli(['apps', 'add', '--name', 'Wiki', '--redirect-uri', 'https://wiki.example.com/cb', '--json'], { connect });
    expect(added.code).toBe(0);
    const app = added.json() as { clientId: string; clientSecret: string; workbenchUrl: string };
    expect(app.clientSecret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(app.workbenchUrl).toBe(`${harness.baseUrl}/sso/workbench/${app.clientId}`);

    const list = await runCli(['apps', 'list'], { connect });
    expect(list.stdout).toContain(app.clientId);
    expect(list.stdout).not.toContain(app.clientSecret);

    const spa = await runCli(['apps', 'add', '--name', 'SPA', '--redirect-uri', 'http://localhost:5173/cb', '--public', '--json'], { connect });
    expect((spa.json() as { clientSecret: unknown }).clientSecret).toBeNull();

    const updated = await runCli(['apps', 'update', app.clientId, '--redirect-uri', 'https://wiki.example.com/cb2', '--json'], { connect });
    expect((updated.json() as { redirectUris: string[] }).redirectUris).toEqual(['https://wiki.example.com/cb2']);

    const bad = await runCli(['apps', 'add', '--name', 'Bad', '--redirect-uri', 'https://x.example/cb#frag'], { connect });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must not contain a fragment');

    expect((await runCli(['apps', 'remove', app.clientId], { connect })).code).toBe(0);
    const gone = await runCli(['apps', 'show', app.clientId], { connect });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('app.not_found');

    const document = (await (await fetch(`${harness.baseUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/apps', '/api/v1/apps/{id}']));
  });
});
