/**
 * `dingbridge units …` / `accounts …` over the real directory services (PGlite and PostgreSQL), and the
 * `bindings add|update --outbound/--outbound-units` flags over the in-memory API: `--json` prints the object with
 * its id, refusals exit 1 with the service's code, bad flags exit 2.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import type { DingbridgeApi } from '../../src/app-api.ts';
import { createDirectoryManagement } from '../../src/directory/index.ts';
import { connectTo, runCli } from './cli-harness.ts';
import { createInMemoryApi } from './in-memory-api.ts';
import { describeEachDatabase } from '../support/test-database.ts';

describeEachDatabase('units and accounts commands', ({ database }) => {
  let api: DingbridgeApi;
  beforeAll(() => {
    const management = createDirectoryManagement({
      db: database().db,
      outbox: { record: () => Promise.resolve() },
      bindings: { outboundBindings: () => Promise.resolve([]) },
    });
    api = { ...createInMemoryApi().api, units: management.units, accounts: management.accounts };
  });
  const cli = (...args: string[]) => runCli(args, { connect: connectTo(api).connect });

  it('adds, moves and removes units and accounts with --json', async () => {
    const root = (await cli('units', 'add', '--name', 'Root', '--parent', (await api.units.add({ name: 'Top', parentId: null })).id, '--json')).json() as { id: string; name: string };
    expect(root.name).toBe('Root');
    const child = (await cli('units', 'add', '--name', 'Child', '--parent', root.id, '--json')).json() as { id: string; parentId: string };
    expect(child.parentId).toBe(root.id);

    const added = await cli('accounts', 'add', '--username', 'li.lei', '--display-name', '李雷', '--mobile', '+86 13800000009', '--unit', `${root.id},${child.id}`, '--json');
    expect(added.code).toBe(0);
    const account = added.json() as { id: string; unitIds: string[]; mainUnitId: string };
    expect(account).toMatchObject({ unitIds: [root.id, child.id], mainUnitId: root.id });

    const taken = await cli('accounts', 'add', '--username', 'LI.LEI', '--display-name', 'x', '--unit', root.id, '--json');
    expect(taken.code).toBe(1);
    expect(taken.json()).toMatchObject({ error: { code: 'account.username_taken' } });

    const notEmpty = await cli('units', 'remove', child.id);
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.stderr).toContain('unit.not_empty');

    expect((await cli('accounts', 'update', account.id, '--unit', root.id, '--email', 'li@example.com', '--json')).json()).toMatchObject({ unitIds: [root.id], email: 'li@example.com' });
    expect((await cli('accounts', 'disable', account.id, '--json')).json()).toMatchObject({ status: 'disabled' });
    const listed = (await cli('accounts', 'list', '--q', 'lei', '--json')).json() as { total: number };
    expect(listed.total).toBe(1);
    expect((await cli('units', 'move', child.id, '--parent', root.id, '--json')).code).toBe(0);
    expect((await cli('units', 'remove', child.id, '--json')).json()).toEqual({ id: child.id, removed: true });
    expect((await cli('accounts', 'remove', account.id, '--json')).json()).toEqual({ id: account.id, removed: true });
    expect((await cli('units', 'show', randomUUID())).code).toBe(1);
    expect((await cli('accounts', 'add', '--username', 'x', '--display-name', 'x', '--unit', 'not-a-uuid')).code).toBe(2);
  });
});

it('bindings add|update --outbound and --outbound-units', async () => {
  const { api } = createInMemoryApi();
  const cli = (...args: string[]) => runCli(args, { connect: connectTo(api).connect });
  const base = ['bindings', 'add', '--name', 'Acme', '--corp-id', 'dingx', '--app-key', 'k', '--app-secret', 's', '--json'];
  const unit = randomUUID();
  const view = (await cli(...base, '--outbound', 'on', '--outbound-units', `${unit}:only`)).json() as { id: string; outbound: unknown };
  expect(view.outbound).toEqual({ enabled: true, agentId: null, units: { kind: 'units', units: [{ unitId: unit, subtree: false }] } });
  const updated = (await cli('bindings', 'update', view.id, '--outbound', 'off', '--json')).json() as { outbound: unknown };
  expect(updated.outbound).toEqual({ enabled: false, agentId: null, units: { kind: 'units', units: [{ unitId: unit, subtree: false }] } });
  expect((await cli('bindings', 'update', view.id, '--outbound', 'maybe')).code).toBe(2);
  expect((await cli('bindings', 'update', view.id, '--outbound-units', 'x:sub')).code).toBe(2);
});
