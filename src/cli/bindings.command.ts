/**
 * `dingbridge bindings add|list|show|update|remove|check`: manage the DingTalk organizations bound to the
 * directory. The AppSecret goes in (`--app-secret`, `--app-secret -` from stdin, or `DINGBRIDGE_APP_SECRET`) and
 * never comes out.
 *
 * @example
 * echo "$SECRET" | dingbridge bindings add --name Acme --corp-id ding123 --app-key key --app-secret - --scope all
 */
import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import {
  bindingCreateSchema,
  bindingUpdateSchema,
  scheduleSchema,
  type BindingCheckReport,
  type BindingCreateInput,
  type BindingUpdateInput,
  type BindingView,
  type OutboundUnits,
} from '../bindings/binding-contract.ts';
import { deletionThresholdsSchema, type SyncScope } from '../sync/index.ts';
import { CommandFailed, type CliContext } from './cli-context.ts';
import { readAll } from './cli-io.ts';
import { cell, keyValues, table, writeJson } from './cli-output.ts';
import {
  aesKey,
  callbackToken,
  deleteAfterDays,
  eventMode,
  httpUrl,
  loginMethods,
  outsiders,
  provisionOnLogin,
  schedule,
  scheduleOf,
  timeZone,
  type ScheduleFlag,
  mappingFile,
  matching,
  nonEmpty,
  parser,
  percent,
  scope,
  usageError,
  uuid,
  wholeNumber,
} from './cli-parsers.ts';
import { z } from 'zod';

/** The flags `add` and `update` share, as commander hands them over. */
interface BindingFlags {
  name?: string;
  corpId?: string;
  appKey?: string;
  appSecret?: string;
  /** A URL, or false from `--no-api-base` (update: back to the real DingTalk). */
  apiBase?: string | false;
  agentId?: string | false;
  targetUnit?: string;
  scope?: SyncScope;
  maxDeletes?: number;
  maxDeletePercent?: number;
  deleteAfterDays?: number | null;
  matching?: string[];
  mappingFile?: Record<string, unknown>;
  eventMode?: 'off' | 'http' | 'stream';
  callbackToken?: string;
  aesKey?: string;
  schedule?: ScheduleFlag;
  scheduleTz?: string;
  login?: ('qr' | 'workbench')[];
  outsiders?: 'deny' | 'allow';
  provisionOnLogin?: 'create' | 'refuse';
  outbound?: boolean;
  outboundUnits?: OutboundUnits;
  verify: boolean;
  json?: boolean;
}

/** Which flag sets which input field, so a refused value is reported under the flag the user typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  name: '--name',
  corpId: '--corp-id',
  appKey: '--app-key',
  appSecret: '--app-secret',
  agentId: '--agent-id',
  apiBase: '--api-base',
  targetUnitId: '--target-unit',
  scope: '--scope',
  thresholds: '--max-deletes/--max-delete-percent',
  leaverPolicy: '--delete-after-days',
  mapping: '--mapping-file',
  matching: '--matching',
  events: '--event-mode/--callback-token/--aes-key',
  schedule: '--schedule/--schedule-tz',
  login: '--login/--outsiders/--provision-on-login',
  outbound: '--outbound/--outbound-units',
};

/** `--outbound on|off`. */
const outboundFlag = parser(z.enum(['on', 'off']).transform((v) => v === 'on'), '"on" (push local changes to DingTalk) or "off"');
/** `--outbound-units all` or `ID[:only],…` (":only" = the unit without its subtree). */
const outboundUnitsFlag = parser(
  z.string().transform((text, ctx): OutboundUnits => {
    if (text.trim() === 'all') return { kind: 'all' };
    const units = [];
    for (const part of text.split(',').map((p) => p.trim())) {
      const [unitId = '', suffix] = part.split(':');
      if (!z.uuid().safeParse(unitId).success || (suffix !== undefined && suffix !== 'only')) {
        ctx.addIssue({ code: 'custom', message: `bad entry ${JSON.stringify(part)}` });
        return z.NEVER;
      }
      units.push({ unitId, subtree: suffix === undefined });
    }
    return { kind: 'units', units };
  }),
  '"all" or unit ids separated by commas, each optionally ":only" (without its subtree)',
);

const agentId = parser(z.string().regex(/^\d{1,50}$/), 'digits (the AgentId from the developer console)');

function bindingFlags(command: Command, mode: 'add' | 'update'): Command {
  const add = mode === 'add';
  const text = (flag: string, description: string, max: number) =>
    add ? command.requiredOption(flag, description, nonEmpty(max)) : command.option(flag, description, nonEmpty(max));
  text('--name <name>', 'a name for the organization, shown in the console and runs', 200);
  if (add) command.requiredOption('--corp-id <corpId>', 'the organization CorpId (ding…)', nonEmpty(100));
  text('--app-key <key>', 'AppKey (Client ID) of the internal app', 200);
  command
    .option('--app-secret <secret>', 'AppSecret (Client Secret); "-" reads it from stdin; default env DINGBRIDGE_APP_SECRET')
    .option('--api-base <url>', 'DingTalk base URL for all three hosts (the emulator\'s URL); default the real DingTalk', httpUrl)
    .option('--agent-id <id>', 'AgentId of the app (for work notifications)', agentId);
  if (add) {
    command.option('--target-unit <uuid>', 'the unit the organization is synced under (default: a new top unit named after the binding)', uuid);
  } else {
    command
      .addOption(new Option('--no-api-base', 'talk to the real DingTalk again'))
      .addOption(new Option('--no-agent-id', 'forget the AgentId'));
  }
  return command
    .option('--scope <scope>', '"all", or department ids: 42,7:only (":only" = without its subtree)', scope)
    .option('--max-deletes <n>', 'hold a run that would disable, delete or unlink more than n objects', wholeNumber(0, 10_000_000))
    .option('--max-delete-percent <p>', 'hold a run that would remove more than p% of the synced objects', percent)
    .option('--delete-after-days <n>', 'delete leavers n days after disabling them, or "never"', deleteAfterDays)
    .option('--matching <rules>', '"none" or preset rules in order: mobile,email,org_email,job_number,username', matching)
    .option('--mapping-file <path>', 'a JSON file with the whole field mapping (target → {source, mode})', mappingFile)
    .option('--event-mode <mode>', 'real-time changes: "http" (DingTalk pushes to PUBLIC_URL; needs --callback-token and --aes-key), "stream" or "off"', eventMode)
    .option('--callback-token <token>', 'the signing token set in DingTalk\'s console (事件订阅 → 签名 token), for --event-mode http', callbackToken)
    .option('--aes-key <key>', 'the 43-character key set in DingTalk\'s console (事件订阅 → 加密 aes_key), for --event-mode http', aesKey)
    .option('--schedule <when>', 'full reconciliation: off, cron:"0 3 * * *", daily:03:00[,13:30] or every:6h (on the hour, UTC)', schedule)
    .option('--schedule-tz <zone>', 'IANA time zone of cron: and daily: schedules (default Asia/Shanghai)', timeZone)
    .option('--login <methods>', 'DingTalk sign-in methods: qr,workbench, or off', loginMethods)
    .option('--outsiders <policy>', 'sign-in by people outside the organization: deny or allow', outsiders)
    .option('--provision-on-login <policy>', 'a member not yet synced at first sign-in: create the account, or refuse until a sync', provisionOnLogin)
    .option('--outbound <on|off>', 'push units and accounts changed here (inside the target unit) to DingTalk; needs qyapi_manage_addresslist', outboundFlag)
    .option('--outbound-units <units>', 'the units pushed: "all" (the whole target subtree, default) or ID[:only],… (":only" = without its subtree)', outboundUnitsFlag)
    .option('--no-verify', 'store without checking the credentials against DingTalk')
    .option('--json', 'print the binding as JSON');
}

export function registerBindingsCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const bindings = program.command('bindings').description('Manage the DingTalk organizations bound to the directory.');

  bindingFlags(bindings.command('add').description('Bind a DingTalk organization (verifies the credentials first).'), 'add').action(
    async (flags: BindingFlags, command: Command) => {
      const appSecret = await secretFrom(flags, context);
      if (appSecret === undefined) throw usageError('cli.missing_flag', 'bindings add needs --app-secret <secret>, --app-secret - (stdin) or DINGBRIDGE_APP_SECRET.', { flag: '--app-secret' });
      const input: BindingCreateInput = {
        name: flags.name!,
        corpId: flags.corpId!,
        appKey: flags.appKey!,
        appSecret,
        ...(typeof flags.agentId === 'string' ? { agentId: flags.agentId } : {}),
        ...(typeof flags.apiBase === 'string' ? { apiBase: flags.apiBase } : {}),
        ...(flags.targetUnit === undefined ? {} : { targetUnitId: flags.targetUnit }),
        ...settingsFrom(flags, undefined),
      };
      checkInput(bindingCreateSchema, input);
      const view = await context.withConnection(command, (connection) => connection.api.bindings.add(input, { verify: flags.verify }));
      if (flags.json) writeJson(io.stdout, view);
      else io.stdout.write(`Added binding ${view.id}.\n${describeBinding(view)}`);
    },
  );

  bindings
    .command('list')
    .description('List the bindings.')
    .option('--json', 'print {items: [...]} as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const items = await context.withConnection(command, (connection) => connection.api.bindings.list());
      if (flags.json) writeJson(io.stdout, { items });
      else if (items.length === 0) io.stdout.write('No bindings yet. Add one with `dingbridge bindings add`.\n');
      else io.stdout.write(table(items.map((view) => ({ ...view, apiBase: view.apiBase?.oapi ?? 'dingtalk', scope: scopeText(view.scope) })), ['id', 'name', 'corpId', 'appKey', 'scope', 'apiBase']));
    });

  bindings
    .command('show')
    .description('Show a binding and its settings (never the secret).')
    .argument('<id>', 'binding id', uuid)
    .option('--json', 'print the binding as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const view = await context.withConnection(command, (connection) => connection.api.bindings.show(id));
      if (flags.json) writeJson(io.stdout, view);
      else io.stdout.write(describeBinding(view));
    });

  bindingFlags(bindings.command('update').description('Change a binding; the CorpId and target unit stay.').argument('<id>', 'binding id', uuid), 'update').action(
    async (id: string, flags: BindingFlags, command: Command) => {
      const appSecret = await secretFrom(flags, context, { envFallback: false });
      const view = await context.withConnection(command, async (connection) => {
        // Thresholds are stored as one object: merge a single flag into the current one instead of dropping the other.
        // So are the login settings, and a lone --callback-token/--aes-key or --schedule-tz needs the current mode or schedule.
        const needsCurrent =
          flags.maxDeletes !== undefined ||
          flags.maxDeletePercent !== undefined ||
          (flags.eventMode === undefined && (flags.callbackToken !== undefined || flags.aesKey !== undefined)) ||
          (flags.schedule === undefined && flags.scheduleTz !== undefined) ||
          flags.login !== undefined ||
          flags.outsiders !== undefined ||
          flags.provisionOnLogin !== undefined ||
          flags.outbound === undefined !== (flags.outboundUnits === undefined);
        const current = needsCurrent ? await connection.api.bindings.show(id) : undefined;
        const patch: BindingUpdateInput = {
          ...(flags.name === undefined ? {} : { name: flags.name }),
          ...(flags.appKey === undefined ? {} : { appKey: flags.appKey }),
          ...(appSecret === undefined ? {} : { appSecret }),
          ...(flags.apiBase === undefined ? {} : { apiBase: flags.apiBase === false ? null : flags.apiBase }),
          ...(flags.agentId === undefined ? {} : { agentId: flags.agentId === false ? null : flags.agentId }),
          ...settingsFrom(flags, current),
        };
        if (Object.keys(patch).length === 0) {
          throw usageError('cli.nothing_to_update', 'bindings update needs at least one flag to change (see `dingbridge bindings update --help`).');
        }
        checkInput(bindingUpdateSchema, patch);
        return connection.api.bindings.update(id, patch, { verify: flags.verify });
      });
      if (flags.json) writeJson(io.stdout, view);
      else io.stdout.write(`Updated binding ${view.id}.\n${describeBinding(view)}`);
    },
  );

  bindings
    .command('remove')
    .description('Remove a binding; its units and accounts stay as local objects.')
    .argument('<id>', 'binding id', uuid)
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print the removal as JSON')
    .action(async (id: string, flags: { yes?: boolean; json?: boolean }, command: Command) => {
      const removal = await context.withConnection(command, async (connection) => {
        if (!flags.yes) {
          if (!io.stdin.isTTY || !io.stderr.isTTY) {
            throw usageError('cli.confirmation_required', `bindings remove asks for confirmation; not on a terminal, pass --yes to remove ${id}.`, { flag: '--yes' });
          }
          const view = await connection.api.bindings.show(id);
          if (!(await confirm(context, `Remove binding "${view.name}" (${view.corpId}, ${id})? Its units and accounts stay, unlinked. [y/N] `))) {
            io.stderr.write('Nothing removed.\n');
            throw new CommandFailed(1);
          }
        }
        return connection.api.bindings.remove(id);
      });
      if (flags.json) writeJson(io.stdout, removal);
      else io.stdout.write(`Removed binding ${removal.id}: ${removal.unlinkedAccounts} accounts and ${removal.unlinkedUnits} units are local now.\n`);
    });

  bindings
    .command('check')
    .description('Check the credentials, the CorpId, the permissions and the scope against DingTalk (exit 1 when something is missing).')
    .argument('<id>', 'binding id', uuid)
    .option('--json', 'print the report as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const report = await context.withConnection(command, (connection) => connection.api.bindings.check(id));
      if (flags.json) writeJson(io.stdout, report);
      else io.stdout.write(describeCheck(report));
      if (!report.ok) throw new CommandFailed(1);
    });
}

async function secretFrom(flags: BindingFlags, context: CliContext, options: { envFallback?: boolean } = {}): Promise<string | undefined> {
  if (flags.appSecret === '-') {
    // Only the line ending is dropped: a secret is taken as typed otherwise.
    const secret = (await readAll(context.io.stdin)).replace(/\r?\n$/, '');
    if (secret === '') throw usageError('cli.missing_flag', '--app-secret - read an empty secret from stdin.', { flag: '--app-secret' });
    return secret;
  }
  if (flags.appSecret !== undefined) return flags.appSecret;
  const fromEnv = context.io.env.DINGBRIDGE_APP_SECRET;
  return options.envFallback === false || !fromEnv ? undefined : fromEnv;
}

function settingsFrom(flags: BindingFlags, current: BindingView | undefined): Partial<BindingCreateInput> {
  const settings: Partial<BindingCreateInput> = {};
  if (flags.scope !== undefined) settings.scope = flags.scope;
  if (flags.maxDeletes !== undefined || flags.maxDeletePercent !== undefined) {
    const before = deletionThresholdsSchema.safeParse(current?.thresholds ?? {});
    settings.thresholds = {
      ...(before.success ? before.data : {}),
      ...(flags.maxDeletes === undefined ? {} : { maxDeletes: flags.maxDeletes }),
      ...(flags.maxDeletePercent === undefined ? {} : { maxDeletePercent: flags.maxDeletePercent }),
    };
  }
  if (flags.deleteAfterDays !== undefined) settings.leaverPolicy = { deleteAfterDays: flags.deleteAfterDays };
  if (flags.matching !== undefined) settings.matching = flags.matching;
  if (flags.mappingFile !== undefined) settings.mapping = flags.mappingFile;
  if (flags.eventMode !== undefined || flags.callbackToken !== undefined || flags.aesKey !== undefined) {
    settings.events = {
      mode: flags.eventMode ?? current?.events.mode ?? 'off',
      ...(flags.callbackToken === undefined ? {} : { callbackToken: flags.callbackToken }),
      ...(flags.aesKey === undefined ? {} : { aesKey: flags.aesKey }),
    };
  }
  if (flags.schedule !== undefined) {
    settings.schedule = scheduleOf(flags.schedule, flags.scheduleTz);
  } else if (flags.scheduleTz !== undefined) {
    // A new zone for the current times: only cron and daily schedules have one.
    const before = scheduleSchema.safeParse(current?.schedule);
    if (!before.success || (before.data.kind !== 'cron' && before.data.kind !== 'daily')) {
      throw usageError('cli.invalid_flag', '--schedule-tz needs a cron: or daily: schedule; pass --schedule too.', { flag: '--schedule-tz' });
    }
    settings.schedule = { ...before.data, timezone: flags.scheduleTz };
  }
  if (flags.login !== undefined || flags.outsiders !== undefined || flags.provisionOnLogin !== undefined) {
    settings.login = {
      ...(current?.login ?? {}),
      ...(flags.login === undefined ? {} : { methods: flags.login }),
      ...(flags.outsiders === undefined ? {} : { outsiders: flags.outsiders }),
      ...(flags.provisionOnLogin === undefined ? {} : { provisionOnLogin: flags.provisionOnLogin }),
    };
  }
  if (flags.outbound !== undefined || flags.outboundUnits !== undefined) {
    settings.outbound = {
      enabled: flags.outbound ?? current?.outbound.enabled ?? false,
      ...(current?.outbound.agentId == null ? {} : { agentId: current.outbound.agentId }),
      units: flags.outboundUnits ?? current?.outbound.units ?? { kind: 'all' },
    };
  }
  return settings;
}

/** Checks the assembled input with the contract before connecting, naming the flags of the refused fields. */
function checkInput(schema: z.ZodType, input: unknown): void {
  const result = schema.safeParse(input);
  if (result.success) return;
  const problems = result.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    return `${FLAG_OF_FIELD[field] ?? field}: ${issue.message}`;
  });
  throw usageError('cli.invalid_flag', `Invalid binding flags: ${problems.join('; ')}.`, { issues: result.error.issues });
}

async function confirm(context: CliContext, question: string): Promise<boolean> {
  context.io.stderr.write(question);
  // Only the first line is read; the stream is left to the process (no output given: the question went to stderr).
  const lines = createInterface({ input: context.io.stdin, terminal: false });
  try {
    for await (const line of lines) return /^y(es)?$/i.test(line.trim());
    return false;
  } finally {
    lines.close();
  }
}

function scopeText(value: unknown): string {
  const parsed = z
    .union([z.object({ kind: z.literal('all') }), z.object({ kind: z.literal('departments'), departments: z.array(z.object({ deptId: z.number(), subtree: z.boolean().optional() })) })])
    .safeParse(value);
  if (!parsed.success) return cell(value);
  if (parsed.data.kind === 'all') return 'all';
  return parsed.data.departments.map((d) => `${d.deptId}${d.subtree === false ? ':only' : ''}`).join(',');
}

function describeBinding(view: BindingView): string {
  return keyValues({
    id: view.id,
    name: view.name,
    corpId: view.corpId,
    appKey: view.appKey,
    appSecret: view.appSecretSet ? 'set (never shown)' : 'not set',
    agentId: view.agentId,
    apiBase: view.apiBase ?? 'the real DingTalk',
    targetUnitId: view.targetUnitId,
    scope: scopeText(view.scope),
    thresholds: view.thresholds,
    leaverPolicy: view.leaverPolicy,
    matching: view.matching,
    mapping: view.mapping,
    events: eventsText(view),
    ...(view.events.requestUrl === null ? {} : { 'Request URL': `${view.events.requestUrl}  (paste into DingTalk: 开发者后台 → 事件订阅 → 请求网址)` }),
    schedule: scheduleText(view.schedule),
    nextScheduledAt: view.nextScheduledAt ?? '—',
    outbound: outboundText(view.outbound),
    login: view.login.methods.length === 0 ? 'off' : `${view.login.methods.join(',')} (outsiders ${view.login.outsiders}, unsynced members: ${view.login.provisionOnLogin})`,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  });
}

function outboundText(outbound: BindingView['outbound']): string {
  if (!outbound.enabled) return 'off';
  const units = outbound.units.kind === 'all' ? 'the whole target unit' : outbound.units.units.map((u) => `${u.unitId}${u.subtree ? '' : ':only'}`).join(',');
  return `on (units: ${units}; agentId ${outbound.agentId ?? "the binding's"})`;
}

function eventsText(view: BindingView): string {
  const { mode, callbackTokenSet, aesKeySet } = view.events;
  if (mode !== 'http') return mode;
  return `http (callback token ${callbackTokenSet ? 'set' : 'not set'}, AES key ${aesKeySet ? 'set' : 'not set'}; never shown)`;
}

function scheduleText(value: unknown): string {
  const parsed = scheduleSchema.safeParse(value);
  if (!parsed.success) return cell(value);
  const s = parsed.data;
  switch (s.kind) {
    case 'off':
      return 'off';
    case 'cron':
      return `cron "${s.cron}" (${s.timezone})`;
    case 'daily':
      return `daily at ${s.times.join(', ')} (${s.timezone})`;
    case 'interval':
      return `every ${s.hours} h, on the hour (UTC)`;
  }
}

function describeCheck(report: BindingCheckReport): string {
  const head = report.ok ? `Binding ${report.bindingId} is ready.\n` : `Binding ${report.bindingId} is not ready: fix the items below and check again.\n`;
  return head + table(report.items, ['status', 'key', 'message', 'hint']);
}
