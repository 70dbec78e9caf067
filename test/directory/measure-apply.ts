/**
 * Times one first sync's apply, the view load after it and the directory export, on in-memory PGlite:
 * `node_modules/.bin/node test/directory/measure-apply.ts [people] [departments]` (default 10,000 and 500).
 */
import { randomOrganization, seededRandom } from '../../src/sync/random-organization.test-support.ts';
import { applyPlan, loadDirectoryView, planSync } from '../../src/sync/index.ts';
import { createDirectory } from '../../src/directory/index.ts';
import { openTestDatabase } from '../support/test-database.ts';
import { createTestBinding, createTestRun } from './directory-fixture.ts';

const people = Number(process.argv[2] ?? 10_000);
const departments = Number(process.argv[3] ?? 500);
const database = await openTestDatabase('pglite');
try {
  const { db } = database;
  const binding = await createTestBinding(db);
  const snapshot = randomOrganization(seededRandom(1), { departments, users: people });
  const seconds = (start: number): string => ((performance.now() - start) / 1000).toFixed(2);

  let start = performance.now();
  const empty = await loadDirectoryView(db, binding);
  const plan = planSync({ binding, snapshot, local: empty, now: Date.now() });
  console.log(`plan: ${plan.ops.length} ops in ${seconds(start)} s`);
  start = performance.now();
  const result = await applyPlan(db, plan, { runId: await createTestRun(db, binding.id), now: new Date(), batchSize: Number(process.env.BATCH ?? 500) });
  console.log(`apply: ${JSON.stringify(result)} in ${seconds(start)} s`);
  start = performance.now();
  const view = await loadDirectoryView(db, binding);
  console.log(`load view: ${view.accounts.length} accounts, ${view.memberships.length} memberships in ${seconds(start)} s`);
  start = performance.now();
  const again = planSync({ binding, snapshot, local: view, now: Date.now() });
  console.log(`re-plan: ${again.ops.length} ops in ${seconds(start)} s`);
  start = performance.now();
  const exported = await createDirectory({ db }).export();
  console.log(`export: ${exported.units.length} units, ${exported.accounts.length} accounts in ${seconds(start)} s`);
} finally {
  await database.close();
}
