/**
 * The admin token store on each database, and the server authenticating with it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/core/index.ts';
import { ADMIN_TOKEN_FILE, createAdminTokens } from '../../src/http/index.ts';
import { describeEachDatabase } from '../support/test-database.ts';
import { startTestServer } from './test-server.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dingbridge-admin-token-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeEachDatabase('admin tokens', ({ database, kind }) => {
  it('creates dbt_ tokens, stores only their SHA-256, and verifies them', async () => {
    const tokens = createAdminTokens({ db: database().db });
    const { id, token } = await tokens.create('ci');
    expect(token).toMatch(/^dbt_[A-Za-z0-9_-]{43}$/);
    const row = await database().db.selectFrom('admin_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    expect(await tokens.verify(token)).toEqual({ id, name: 'ci', accountId: null, expiresAt: null });
  });

  it('refuses unknown, malformed and revoked tokens', async () => {
    const tokens = createAdminTokens({ db: database().db });
    const { id, token } = await tokens.create('soon revoked');
    expect(await tokens.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(await tokens.verify('')).toBeUndefined();
    expect(await tokens.verify("dbt_' or 1=1 --")).toBeUndefined();
    await database().db.updateTable('admin_tokens').set({ revoked_at: new Date() }).where('id', '=', id).execute();
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('writes last_used_at at most once a minute', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 24, 10, 0, 0));
    const tokens = createAdminTokens({ db: database().db, clock });
    const { id, token } = await tokens.create('busy');
    const lastUsed = async () =>
      (await database().db.selectFrom('admin_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow())
        .last_used_at?.toISOString();
    expect(await lastUsed()).toBeUndefined();
    await tokens.verify(token);
    expect(await lastUsed()).toBe('2026-11-24T10:00:00.000Z');
    clock.advance(59_000);
    await tokens.verify(token);
    expect(await lastUsed()).toBe('2026-11-24T10:00:00.000Z');
    clock.advance(2_000);
    await tokens.verify(token);
    expect(await lastUsed()).toBe('2026-11-24T10:01:01.000Z');
    // Another replica (its own memory) still writes no more than once a minute.
    const replica = createAdminTokens({ db: database().db, clock });
    clock.advance(10_000);
    await replica.verify(token);
    expect(await lastUsed()).toBe('2026-11-24T10:01:01.000Z');
  });

  it('ensureLocalToken writes a local token to DATA_DIR/admin-token (0600, directory 0700) and keeps a good one', async () => {
    const tokens = createAdminTokens({ db: database().db });
    const dataDir = join(dir, kind, 'data');
    const first = await tokens.ensureLocalToken(dataDir);
    expect(first.created).toBe(true);
    expect(first.path).toBe(join(dataDir, ADMIN_TOKEN_FILE));
    const text = (await readFile(first.path, 'utf8')).trim();
    expect(text).toBe(first.token);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(await tokens.verify(text)).toMatchObject({ name: 'local' });

    const again = await tokens.ensureLocalToken(dataDir);
    expect(again).toEqual({ path: first.path, created: false });
    expect((await readFile(first.path, 'utf8')).trim()).toBe(text);
  });

  it('ensureLocalToken replaces a token that no longer verifies', async () => {
    const tokens = createAdminTokens({ db: database().db });
    const dataDir = join(dir, kind, 'stale');
    const first = await tokens.ensureLocalToken(dataDir);
    await database().db.updateTable('admin_tokens').set({ revoked_at: new Date() }).where('name', '=', 'local').execute();
    const second = await tokens.ensureLocalToken(dataDir);
    expect(second.created).toBe(true);
    expect(second.token).not.toBe(first.token);
    expect((await readFile(second.path, 'utf8')).trim()).toBe(second.token);

    await writeFile(second.path, 'garbage\n', { mode: 0o644 });
    const third = await tokens.ensureLocalToken(dataDir);
    expect(third.created).toBe(true);
    expect((await stat(third.path)).mode & 0o777).toBe(0o600);
  });

  it('a token minted for an account works until it expires, while the account is an enabled console administrator', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
    const tokens = createAdminTokens({ db: database().db, clock });
    const accountId = randomUUID();
    await database().db.insertInto('accounts').values({ id: accountId, username: `admin-${accountId}`, display_name: '管理员', console_role: 'admin' }).execute();
    const expiresAt = new Date(clock.now() + 3_600_000);
    const { id, token } = await tokens.create('console: admin', { accountId, expiresAt });
    expect(await tokens.verify(token)).toEqual({ id, name: 'console: admin', accountId, expiresAt });

    const setAccount = (set: { console_role?: 'admin' | null; status?: 'enabled' | 'disabled'; disabled_at?: Date | null; disabled_by?: 'admin' | null }) =>
      database().db.updateTable('accounts').set(set).where('id', '=', accountId).execute();
    await setAccount({ console_role: null });
    expect(await tokens.verify(token)).toBeUndefined();
    await setAccount({ console_role: 'admin', status: 'disabled', disabled_at: new Date(), disabled_by: 'admin' });
    expect(await tokens.verify(token)).toBeUndefined();
    await setAccount({ status: 'enabled', disabled_at: null, disabled_by: null });
    expect(await tokens.verify(token)).toMatchObject({ id });

    clock.advance(3_600_000);
    expect(await tokens.verify(token)).toBeUndefined();
    // The next minting clears expired minted tokens; tokens made by hand never expire.
    const local = await tokens.create('by hand');
    await tokens.create('console: admin', { accountId, expiresAt: new Date(clock.now() + 60_000) });
    expect(await database().db.selectFrom('admin_tokens').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    expect(await tokens.verify(local.token)).toMatchObject({ id: local.id, expiresAt: null });
    expect(await tokens.revoke(local.id)).toBe(true);
    expect(await tokens.revoke(local.id)).toBe(false);
    expect(await tokens.verify(local.token)).toBeUndefined();

    // A token tied to an account must expire (a check constraint says so).
    await expect(
      database().db.insertInto('admin_tokens').values({ id: randomUUID(), name: 'x', token_hash: randomUUID(), account_id: accountId }).execute(),
    ).rejects.toThrow(/admin_tokens_account_expires_check/);
  });

  describe('the server with the real store', () => {
    it('accepts a stored token and refuses a revoked one', async () => {
      const tokens = createAdminTokens({ db: database().db });
      const { id, token } = await tokens.create('server');
      const { app } = await startTestServer({ adminTokens: tokens });
      try {
        const ok = await app.inject({ method: 'GET', url: '/api/v1/bindings', headers: { authorization: `Bearer ${token}` } });
        expect(ok.statusCode).toBe(200);
        await database().db.updateTable('admin_tokens').set({ revoked_at: new Date() }).where('id', '=', id).execute();
        const revoked = await app.inject({ method: 'GET', url: '/api/v1/bindings', headers: { authorization: `Bearer ${token}` } });
        expect(revoked.statusCode).toBe(401);
        expect(revoked.json().error.code).toBe('auth.invalid_token');
      } finally {
        await app.close();
      }
    });
  });
});
