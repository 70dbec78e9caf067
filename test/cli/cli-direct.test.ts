/**
 * The commands in direct mode over the real services (`openDingbridge`) against the emulator: a binding added with
 * its secret on stdin, a dry run and a real sync run by this process (`--wait` starts the workers), the directory
 * exported. On PGlite under a fresh DATA_DIR, and on PostgreSQL when TEST_DATABASE_URL is set.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindingViewSchema } from '../../src/bindings/binding-contract.ts';
import { connect } from '../../src/cli/connect.ts';
import { directoryExportSchema } from '../../src/directory/directory-contract.ts';
import { useEmulator } from '../support/emulator.ts';
import { createScratchPostgresDatabase, testDatabaseKinds } from '../support/test-database.ts';
import { runCli } from './cli-harness.ts';

const emulator = useEmulator({ users: 60, seed: 'cli-direct' });

describe.each(testDatabaseKinds)('dingbridge in direct mode on %s', (kind) => {
  it('adds a binding, previews and runs a sync, exports the directory', async () => {
    const scratch = kind === 'postgres' ? await createScratchPostgresDatabase() : undefined;
    const env = {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dingbridge-cli-direct-')),
      DINGBRIDGE_SECRET_KEY: 'b'.repeat(64),
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    };
    const cli = (args: string[], stdin?: string) => runCli(args, { env, connect, stdin });
    try {
      const add = await cli(['bindings', 'add', '--name', 'Emulated', '--corp-id', emulator.corpId, '--app-key', emulator.appKey, '--app-secret', '-', '--api-base', emulator.url, '--json'], `${emulator.appSecret}\n`);
      expect(add.stderr).toBe('');
      expect(add.code).toBe(0);
      const binding = bindingViewSchema.parse(add.json());

      const preview = await cli(['sync', binding.id, '--dry-run', '--wait']);
      expect(preview.code).toBe(0);
      expect(preview.stdout).toMatch(/^status: +succeeded$/m);
      expect(preview.stdout).toMatch(/^#\d+ account\.create /m);

      const run = await cli(['sync', binding.id, '--wait', '--json']);
      expect(run.code).toBe(0);
      expect(run.json()).toMatchObject({ status: 'succeeded', dryRun: false, failed: 0 });

      const exported = await cli(['directory', 'export', '--json']);
      const directory = directoryExportSchema.parse(exported.json());
      expect(directory.accounts.filter((account) => account.external?.corpId === emulator.corpId)).toHaveLength(60);
    } finally {
      await scratch?.drop();
    }
  });
});
