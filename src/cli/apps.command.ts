/**
 * `dingbridge apps add|list|show|update|remove`: the applications that sign people in through Dingbridge's OpenID
 * Connect provider. `add` prints the client secret of a confidential client once; it cannot be shown again.
 *
 * @example
 * dingbridge apps add --name Wiki --redirect-uri https://wiki.example.com/oidc/callback
 */
import type { Command } from 'commander';
import type { AppsService, AppView } from '../auth/apps-contract.ts';
import { AppError } from '../core/index.ts';
import type { CliContext } from './cli-context.ts';
import type { Connection } from './connect.ts';
import { keyValues, table, writeJson } from './cli-output.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function appsOf(connection: Connection): AppsService {
  if (!connection.api.apps) {
    throw new AppError('cli.apps_unavailable', 'This Dingbridge server does not offer applications yet; upgrade it.', { status: 501 });
  }
  return connection.api.apps;
}

function describeApp(app: AppView): string {
  return keyValues({
    clientId: app.clientId,
    name: app.name,
    type: app.public ? 'public (PKCE, no secret)' : 'confidential',
    redirectUris: app.redirectUris.join(' '),
    postLogoutRedirectUris: app.postLogoutRedirectUris.join(' '),
    initiateLoginUri: app.initiateLoginUri,
    workbenchUrl: app.workbenchUrl,
    createdAt: app.createdAt,
  });
}

export function registerAppsCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const apps = program.command('apps').description('Applications signing people in through the OpenID Connect provider.');

  apps
    .command('add')
    .description('Register an application; prints its client id and, for a confidential client, its secret (once).')
    .requiredOption('--name <name>', 'the name people see')
    .requiredOption('--redirect-uri <url>', 'an exact redirect URI (repeat for several)', collect)
    .option('--public', 'a public client (single-page or native app): no secret, PKCE required')
    .option('--post-logout-redirect-uri <url>', 'where end-session may send people back (repeat for several)', collect)
    .option('--initiate-login-uri <url>', "the application's own login start, used by workbench SSO")
    .option('--json', 'print the application (with clientSecret) as JSON')
    .action(async (flags: { name: string; redirectUri: string[]; public?: boolean; postLogoutRedirectUri?: string[]; initiateLoginUri?: string; json?: boolean }, command: Command) => {
      const created = await context.withConnection(command, (connection) =>
        appsOf(connection).add({
          name: flags.name,
          redirectUris: flags.redirectUri,
          public: flags.public === true,
          ...(flags.postLogoutRedirectUri === undefined ? {} : { postLogoutRedirectUris: flags.postLogoutRedirectUri }),
          ...(flags.initiateLoginUri === undefined ? {} : { initiateLoginUri: flags.initiateLoginUri }),
        }),
      );
      if (flags.json) {
        writeJson(io.stdout, created);
        return;
      }
      io.stdout.write(describeApp(created));
      if (created.clientSecret !== null) {
        io.stdout.write(`clientSecret: ${created.clientSecret}\n`);
        io.stderr.write('Keep the client secret now: it is stored sealed and will not be shown again.\n');
      }
    });

  apps
    .command('list')
    .description('List applications.')
    .option('--json', 'print {items: [...]} as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const items = await context.withConnection(command, (connection) => appsOf(connection).list());
      if (flags.json) writeJson(io.stdout, { items });
      else if (items.length === 0) io.stdout.write('No applications. Register one with `dingbridge apps add --name N --redirect-uri URL`.\n');
      else io.stdout.write(table(items.map((app) => ({ ...app, type: app.public ? 'public' : 'confidential', redirectUris: app.redirectUris.join(' ') })), ['clientId', 'name', 'type', 'redirectUris']));
    });

  apps
    .command('show')
    .description('Show an application.')
    .argument('<clientId>', 'client id')
    .option('--json', 'print the application as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const app = await context.withConnection(command, (connection) => appsOf(connection).show(id));
      if (flags.json) writeJson(io.stdout, app);
      else io.stdout.write(describeApp(app));
    });

  apps
    .command('update')
    .description('Change an application; --redirect-uri replaces the whole list.')
    .argument('<clientId>', 'client id')
    .option('--name <name>', 'the name people see')
    .option('--redirect-uri <url>', 'an exact redirect URI (repeat for several)', collect)
    .option('--post-logout-redirect-uri <url>', 'end-session return URI (repeat for several)', collect)
    .option('--initiate-login-uri <url>', "the application's own login start ('' to clear)")
    .option('--json', 'print the application as JSON')
    .action(async (id: string, flags: { name?: string; redirectUri?: string[]; postLogoutRedirectUri?: string[]; initiateLoginUri?: string; json?: boolean }, command: Command) => {
      const app = await context.withConnection(command, (connection) =>
        appsOf(connection).update(id, {
          ...(flags.name === undefined ? {} : { name: flags.name }),
          ...(flags.redirectUri === undefined ? {} : { redirectUris: flags.redirectUri }),
          ...(flags.postLogoutRedirectUri === undefined ? {} : { postLogoutRedirectUris: flags.postLogoutRedirectUri }),
          ...(flags.initiateLoginUri === undefined ? {} : { initiateLoginUri: flags.initiateLoginUri === '' ? null : flags.initiateLoginUri }),
        }),
      );
      if (flags.json) writeJson(io.stdout, app);
      else io.stdout.write(describeApp(app));
    });

  apps
    .command('remove')
    .description('Remove an application and revoke its tokens.')
    .argument('<clientId>', 'client id')
    .option('--json', 'print {id, removed} as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const removed = await context.withConnection(command, (connection) => appsOf(connection).remove(id));
      if (flags.json) writeJson(io.stdout, removed);
      else io.stdout.write(`Removed application ${removed.id}.\n`);
    });
}
