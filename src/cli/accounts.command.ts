/**
 * `dingbridge accounts add|list|show|update|disable|enable|remove`: accounts managed by hand. Inside a binding with
 * outbound provisioning on, each change is pushed to DingTalk.
 *
 * @example
 * dingbridge accounts add --username li.lei --display-name 李雷 --mobile "+86 13800000000" --unit $SALES --json
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { AccountUpdateRequest, AccountView } from '../directory/directory-contract.ts';
import type { CliContext } from './cli-context.ts';
import { keyValues, table, writeJson } from './cli-output.ts';
import { nonEmpty, parser, usageError, uuid, wholeNumber } from './cli-parsers.ts';

/** `--console-role admin|none`: `none` takes the role away (null in the API; commander would turn a null into ''). */
const consoleRoleFlag = parser(z.enum(['admin', 'none']), '"admin" (grant the console administrator role) or "none" (take it away)');

const unitIds = parser(
  z.string().transform((text) => text.split(',').map((part) => part.trim())).pipe(z.array(z.uuid()).min(1)),
  'unit ids separated by commas',
);

interface AccountFlags {
  username?: string;
  displayName?: string;
  email?: string;
  mobile?: string;
  jobNumber?: string;
  title?: string;
  unit?: string[];
  mainUnit?: string;
  consoleRole?: 'admin' | 'none';
  json?: boolean;
}

function describeAccount(account: AccountView): string {
  return keyValues({
    id: account.id,
    username: account.username,
    displayName: account.displayName,
    email: account.email,
    mobile: account.mobile,
    jobNumber: account.jobNumber,
    title: account.title,
    status: account.status,
    consoleRole: account.consoleRole ?? 'none',
    units: account.unitIds.join(' '),
    dingtalk: account.links.map((link) => `${link.corpId}/${link.userid}`).join(' '),
  });
}

function fieldFlags(command: Command, add: boolean): Command {
  if (add) {
    command
      .requiredOption('--username <username>', 'unique, ignoring case', nonEmpty(64))
      .requiredOption('--display-name <name>', 'the name people see', nonEmpty(64))
      .requiredOption('--unit <ids>', 'unit ids, comma-separated (the first is the main one unless --main-unit)', unitIds);
  } else {
    command
      .option('--username <username>', 'unique, ignoring case', nonEmpty(64))
      .option('--display-name <name>', 'the name people see', nonEmpty(64))
      .option('--unit <ids>', 'replace the memberships: unit ids, comma-separated', unitIds)
      .option(
        '--console-role <role>',
        '"admin" lets the account sign in to the admin console with DingTalk (while enabled); "none" takes it away',
        consoleRoleFlag,
      );
  }
  return command
    .option('--email <email>', `email${add ? '' : ' ("" clears it)'}`)
    .option('--mobile <mobile>', `mobile, +country code allowed${add ? '' : ' ("" clears it)'}`)
    .option('--job-number <n>', 'job number')
    .option('--title <title>', 'job title')
    .option('--main-unit <id>', 'the main unit (one of --unit)', uuid)
    .option('--json', 'print the account as JSON');
}

export function registerAccountsCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const accounts = program.command('accounts').description('Accounts managed by hand (pushed to DingTalk where outbound is on).');
  const print = (account: AccountView, json: boolean | undefined, verb: string) => {
    if (json) writeJson(io.stdout, account);
    else io.stdout.write(`${verb} account ${account.id}.\n${describeAccount(account)}`);
  };

  fieldFlags(accounts.command('add').description('Add an account in one or more units.'), true).action(async (flags: AccountFlags, command: Command) => {
    const account = await context.withConnection(command, (c) =>
      c.api.accounts.add({
        username: flags.username!,
        displayName: flags.displayName!,
        unitIds: flags.unit!,
        ...(flags.email === undefined ? {} : { email: flags.email }),
        ...(flags.mobile === undefined ? {} : { mobile: flags.mobile }),
        ...(flags.jobNumber === undefined ? {} : { jobNumber: flags.jobNumber }),
        ...(flags.title === undefined ? {} : { title: flags.title }),
        ...(flags.mainUnit === undefined ? {} : { mainUnitId: flags.mainUnit }),
      }),
    );
    print(account, flags.json, 'Added');
  });

  accounts
    .command('list')
    .description('Search accounts, a page at a time.')
    .option('--q <text>', 'part of the username, name, email or mobile')
    .option('--unit <id>', 'members of this unit', uuid)
    .option('--offset <n>', 'skip this many', wholeNumber(0, 10_000_000))
    .option('--limit <n>', 'page size (default 50, at most 500)', wholeNumber(1, 500))
    .option('--json', 'print {items, total, offset, limit} as JSON')
    .action(async (flags: { q?: string; unit?: string; offset?: number; limit?: number; json?: boolean }, command: Command) => {
      const page = await context.withConnection(command, (c) =>
        c.api.accounts.list({
          ...(flags.q === undefined ? {} : { q: flags.q }),
          ...(flags.unit === undefined ? {} : { unitId: flags.unit }),
          ...(flags.offset === undefined ? {} : { offset: flags.offset }),
          ...(flags.limit === undefined ? {} : { limit: flags.limit }),
        }),
      );
      if (flags.json) writeJson(io.stdout, page);
      else io.stdout.write(`${table(page.items, ['id', 'username', 'displayName', 'status'])}${page.offset + page.items.length} of ${page.total}\n`);
    });

  accounts
    .command('show')
    .argument('<id>', 'account id', uuid)
    .option('--json', 'print the account as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const account = await context.withConnection(command, (c) => c.api.accounts.show(id));
      if (flags.json) writeJson(io.stdout, account);
      else io.stdout.write(describeAccount(account));
    });

  fieldFlags(accounts.command('update').description('Change an account.').argument('<id>', 'account id', uuid), false).action(
    async (id: string, flags: AccountFlags, command: Command) => {
      const clearable = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);
      const patch: AccountUpdateRequest = {};
      if (flags.username !== undefined) patch.username = flags.username;
      if (flags.displayName !== undefined) patch.displayName = flags.displayName;
      if (flags.email !== undefined) patch.email = clearable(flags.email);
      if (flags.mobile !== undefined) patch.mobile = clearable(flags.mobile);
      if (flags.jobNumber !== undefined) patch.jobNumber = clearable(flags.jobNumber);
      if (flags.title !== undefined) patch.title = clearable(flags.title);
      if (flags.unit !== undefined) patch.unitIds = flags.unit;
      if (flags.mainUnit !== undefined) patch.mainUnitId = flags.mainUnit;
      if (flags.consoleRole !== undefined) patch.consoleRole = flags.consoleRole === 'none' ? null : flags.consoleRole;
      if (Object.keys(patch).length === 0) throw usageError('cli.nothing_to_update', 'accounts update needs at least one flag to change.');
      const account = await context.withConnection(command, (c) => c.api.accounts.update(id, patch));
      print(account, flags.json, 'Updated');
    },
  );

  for (const action of ['disable', 'enable'] as const) {
    accounts
      .command(action)
      .description(action === 'disable' ? 'Disable an account (a sync never re-enables it).' : 'Enable an account.')
      .argument('<id>', 'account id', uuid)
      .option('--json', 'print the account as JSON')
      .action(async (id: string, flags: { json?: boolean }, command: Command) => {
        const account = await context.withConnection(command, (c) => c.api.accounts[action](id));
        print(account, flags.json, action === 'disable' ? 'Disabled' : 'Enabled');
      });
  }

  accounts
    .command('remove')
    .description('Remove an account and its memberships.')
    .argument('<id>', 'account id', uuid)
    .option('--json', 'print {id, removed} as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const removed = await context.withConnection(command, (c) => c.api.accounts.remove(id));
      if (flags.json) writeJson(io.stdout, removed);
      else io.stdout.write(`Removed account ${removed.id}.\n`);
    });
}
