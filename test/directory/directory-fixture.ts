/**
 * Bindings, runs and plans for directory and apply tests: just the rows the foreign keys need, written directly
 * (the bindings area has its own tests), and a plan → apply → reload round that returns what it did.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createBindings, type Bindings } from '../../src/bindings/index.ts';
import { createSecretBox, SecretKey } from '../../src/config/index.ts';
import { json, type Database } from '../../src/db/index.ts';
import { createDirectory } from '../../src/directory/index.ts';
import {
  applyPlan,
  defaultFieldMapping,
  loadDirectoryView,
  planSync,
  type AddressBookSnapshot,
  type ApplyResult,
  type LocalDirectoryView,
  type SyncBinding,
  type SyncPlan,
} from '../../src/sync/index.ts';

/**
 * A binding with a fresh target unit (under `parentId` when given).
 *
 * @example
 * const binding = await createTestBinding(db, { corpId: 'ding-a' });
 */
export async function createTestBinding(
  db: Kysely<Database>,
  options: { corpId?: string; parentId?: string | null; deleteAfterDays?: number | null } = {},
): Promise<SyncBinding> {
  const id = randomUUID();
  const corpId = options.corpId ?? `ding-${id.slice(0, 8)}`;
  const target = await createDirectory({ db }).createUnit({ name: `target of ${corpId}`, parentId: options.parentId ?? null });
  const binding: SyncBinding = {
    id,
    corpId,
    targetUnitId: target.id,
    scope: { kind: 'all' },
    mapping: defaultFieldMapping(),
    matching: [],
    leaverPolicy: { deleteAfterDays: options.deleteAfterDays ?? 30 },
  };
  await db
    .insertInto('bindings')
    .values({
      id,
      name: corpId,
      corp_id: corpId,
      app_key: 'key',
      app_secret_enc: 'sealed',
      target_unit_id: target.id,
      scope: json(binding.scope),
      thresholds: json({}),
      leaver_policy: json(binding.leaverPolicy),
      mapping: json({}),
      matching: json([]),
    })
    .execute();
  return binding;
}

/**
 * The real bindings service over `db`, with a fresh secret key and target units made as top-level units.
 *
 * @example
 * const bindings = createTestBindings(db);
 */
export function createTestBindings(db: Kysely<Database>): Bindings {
  return createBindings({
    db,
    secretBox: createSecretBox(new SecretKey(randomBytes(32), 'env')),
    publicUrl: 'https://idp.example.com',
    createTargetUnit: async (name, trx) => {
      const id = randomUUID();
      await trx.insertInto('units').values({ id, name, parent_id: null }).execute();
      return id;
    },
  });
}

/** A `sync_runs` row for results to belong to. */
export async function createTestRun(db: Kysely<Database>, bindingId: string): Promise<string> {
  const id = randomUUID();
  await db.insertInto('sync_runs').values({ id, binding_id: bindingId, kind: 'full', status: 'running' }).execute();
  return id;
}

export interface SyncRound {
  before: LocalDirectoryView;
  plan: SyncPlan;
  result: ApplyResult;
  runId: string;
  after: LocalDirectoryView;
}

/** Loads the view, plans against `snapshot`, applies under a new run, and loads the view again. */
export async function syncRound(
  db: Kysely<Database>,
  binding: SyncBinding,
  snapshot: AddressBookSnapshot,
  now: number,
  options: { batchSize?: number } = {},
): Promise<SyncRound> {
  const before = await loadDirectoryView(db, binding);
  const plan = planSync({ binding, snapshot, local: before, now });
  const runId = await createTestRun(db, binding.id);
  const result = await applyPlan(db, plan, { runId, now: new Date(now), ...options });
  const after = await loadDirectoryView(db, binding);
  return { before, plan, result, runId, after };
}

/** A view in a canonical order, for comparing a loaded view with an in-memory one. */
export function normalizedView(view: LocalDirectoryView): LocalDirectoryView {
  const byId = <T extends { id: string }>(items: T[]): T[] => [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    units: byId(view.units),
    accounts: byId(view.accounts),
    candidates: byId(view.candidates),
    memberships: [...view.memberships].sort((a, b) => {
      const left = `${a.accountId}/${a.unitId}`;
      const right = `${b.accountId}/${b.unitId}`;
      return left < right ? -1 : left > right ? 1 : 0;
    }),
  };
}
