/**
 * The bindings area: DingTalk organizations bound to target units, stored with their AppSecret sealed, verified
 * against DingTalk when added or when their credentials change, and the one place that builds each binding's
 * DingTalk client (so its rate limiter and token cache are shared by everything that calls DingTalk for that app).
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { SecretBox } from '../config/index.ts';
import type { JsonObject } from '../db/index.ts';
import { isAppError, isUuid, systemClock, type Clock } from '../core/index.ts';
import { json, translatePostgresError, type Binding, type Database, type DingTalkApiBase } from '../db/index.ts';
import { createDingTalkClient, isDingTalkError, type DingTalkClient, type DingTalkClientOptions } from '../dingtalk/index.ts';
import type { DeletionThresholds, SyncBinding } from '../sync/index.ts';
import {
  bindingCreateSchema,
  bindingUpdateSchema,
  credentialTestSchema,
  mappingPreviewInputSchema,
  type BindingCheckReport,
  type CredentialTestInput,
  type CredentialTestReport,
  type MappingPreview,
  type MappingPreviewInput,
  type BindingCreateInput,
  type BindingEventContext,
  type EventSettingsInput,
  type OutboundBinding,
  type OutboundSettingsOutput,
  type Schedule,
  type BindingRemoval,
  type BindingsService,
  type BindingUpdateInput,
  type BindingView,
} from './binding-contract.ts';
import { checkBinding, isTokenFailure } from './binding-check.ts';
import { previewMapping } from './mapping-preview.ts';
import {
  bindingNotFound,
  corpIdMismatch,
  corpIdTaken,
  corruptBinding,
  inputIssues,
  invalidBinding,
  targetTaken,
  unitNotFound,
  type InputIssue,
} from './binding-errors.ts';
import {
  DEFAULT_DELETION_THRESHOLDS,
  defaultMapping,
  nextScheduledAt,
  parseChannelSettings,
  parseWithMapping,
  scheduleIssues,
  type ChannelSettings,
  parseStoredSettings,
  printSettings,
  type BindingSettings,
  type StoredSettings,
} from './binding-settings.ts';

export interface BindingsDeps {
  db: Kysely<Database>;
  secretBox: SecretBox;
  /** Makes the binding's target unit when the input has none: (name) => unit id. Provided by the directory area. */
  createTargetUnit: (name: string, trx: Transaction<Database>) => Promise<string>;
  /** Builds DingTalk clients; default createDingTalkClient. The composition root passes rateLimit {qps} and onCall (metrics). */
  clientOptions?: Partial<Omit<DingTalkClientOptions, 'credentials' | 'apiBase' | 'baseUrls'>>;
  /** Timestamps of rows and reports. (The clients take their clock from `clientOptions`.) */
  clock?: Clock;
  /** Lifecycle lines (added, updated, removed, checked); never the secret. */
  logger?: Pick<Logger, 'info'> & Partial<Pick<Logger, 'warn'>>;
  /** Where DingTalk reaches this server (`PUBLIC_URL`): the base of each binding's callback Request URL. */
  publicUrl: string;
  /**
   * Called after an add, update or removal has committed (the reconcile scheduler and the Stream listener
   * subscribe). A failing listener is logged and does not fail the change, which is already stored.
   */
  onChange?: (bindingId: string) => void | Promise<void>;
}

/** What a sync run needs of its binding. */
export interface BindingSyncContext {
  binding: SyncBinding;
  thresholds: DeletionThresholds;
  name: string;
  corpId: string;
  client: DingTalkClient;
}

export interface Bindings extends BindingsService {
  /** What the sync pipeline needs: the parsed SyncBinding, thresholds, name, and the binding's shared client. */
  syncContext(id: string): Promise<BindingSyncContext>;
  /** The shared client of a binding (one per binding and credentials: its rate limiter and token cache must be shared by everything that calls DingTalk for that app). */
  clientOf(id: string): Promise<DingTalkClient>;
  /** What the event receiver and the Stream listener need of a binding, secrets opened. `binding.not_found`. */
  eventContext(bindingId: string): Promise<BindingEventContext>;
  /** The same by CorpId (the callback URL names the organization); undefined when no binding has it. */
  eventContextByCorp(corpId: string): Promise<BindingEventContext | undefined>;
  /** Every binding whose event mode is not `off`. */
  eventBindings(): Promise<BindingEventContext[]>;
  /** Every binding's reconciliation schedule (`{kind: 'off'}` included, so a scheduler can remove stale ones). */
  schedules(): Promise<{ bindingId: string; schedule: Schedule }[]>;
  /**
   * Every binding with outbound provisioning on, with its target unit and outbound units (the outbox's
   * `OutboundScopeSource`; the directory's ownership rules read it too). Pass `executor` when inside a
   * transaction: on PGlite only that transaction can query while it is open.
   */
  outboundBindings(executor?: Kysely<Database>): Promise<OutboundBinding[]>;
  /** Notes that this server answered DingTalk's `check_url` for the binding at `at` (the wizard's live indicator). */
  recordCheckUrl(bindingId: string, at: Date): Promise<void>;
}

/** The sealed secret's associated data: a value copied into another binding's row does not open there. */
const secretContext = (id: string): string => `binding:${id}:app_secret`;
const callbackTokenContext = (id: string): string => `binding:${id}:callback_token`;
const aesKeyContext = (id: string): string => `binding:${id}:aes_key`;

/** Where each missing event secret is found, for the `binding.invalid` message (§7.3). */
const EVENT_SECRET_HINTS = {
  callbackToken:
    "required when events.mode is http: the signing token you set in DingTalk's developer console " +
    '(开发者后台 → 事件订阅 → 签名 token): events.callbackToken (CLI: --callback-token)',
  aesKey:
    "required when events.mode is http: the 43-character key you set in DingTalk's developer console " +
    '(开发者后台 → 事件订阅 → 加密 aes_key): events.aesKey (CLI: --aes-key)',
} as const;

/**
 * The bindings service over one database.
 *
 * @example
 * const bindings = createBindings({ db, secretBox, publicUrl, createTargetUnit: (name, trx) => directory.createUnit({ name, parentId: null }, trx).then((u) => u.id) });
 * const binding = await bindings.add({ name: 'Acme', corpId, appKey, appSecret, apiBase: emulatorUrl });
 * const report = await bindings.check(binding.id); // report.ok, report.items[…].hint
 */
export function createBindings(deps: BindingsDeps): Bindings {
  const { db, secretBox } = deps;
  const clock = deps.clock ?? systemClock;
  const log = (fields: Record<string, unknown>, message: string): void => deps.logger?.info({ area: 'bindings', ...fields }, message);
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');
  const changed = async (bindingId: string): Promise<void> => {
    try {
      await deps.onChange?.(bindingId);
    } catch (error) {
      deps.logger?.warn?.({ area: 'bindings', bindingId, err: error }, 'a binding change listener failed');
    }
  };
  /** One client per binding, rebuilt when the credentials or hosts change. */
  const clients = new Map<string, { fingerprint: string; client: DingTalkClient }>();

  const buildClient = (credentials: { appKey: string; appSecret: string }, apiBase: DingTalkApiBase | null): DingTalkClient =>
    createDingTalkClient({ ...deps.clientOptions, credentials, ...(apiBase === null ? {} : { baseUrls: apiBase }) });

  /** Token first (a wrong AppKey/AppSecret is the client's `dingtalk.invalid_credentials`), then the CorpId (§1.3). */
  const verify = async (corpId: string, credentials: { appKey: string; appSecret: string }, apiBase: DingTalkApiBase | null): Promise<void> => {
    // A throwaway client: the binding does not exist yet, or its credentials are about to change.
    const client = buildClient(credentials, apiBase);
    // Any call needs the token; auth/scopes needs no permission. Only a failure to get the token stops the add:
    // a scopes answer that fails otherwise still proved the credentials (`bindings check` reports the rest).
    await client.auth.scopes().catch((error: unknown) => {
      if (isTokenFailure(error) || !isDingTalkError(error)) throw error;
    });
    const verdict = await client.auth.verifyCorp(corpId);
    if (verdict !== 'ok') throw corpIdMismatch(corpId, verdict);
  };

  const load = async (id: string, executor: Kysely<Database> = db): Promise<Binding> => {
    // A malformed id names no binding: not_found rather than a database type error.
    if (!isUuid(id)) throw bindingNotFound(id);
    const row = await executor.selectFrom('bindings').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw bindingNotFound(id);
    return row;
  };

  const settingsOf = (row: Binding): BindingSettings => {
    const parsed = parseStoredSettings(storedOf(row));
    if (!parsed.ok) throw corruptBinding(row.id, parsed.issues);
    return parsed.value;
  };

  const channelOf = (row: Binding): ChannelSettings => {
    const parsed = parseChannelSettings(row.settings);
    if (!parsed.ok) throw corruptBinding(row.id, parsed.issues);
    return parsed.value;
  };

  /**
   * The channel settings after an input: events merged with the stored ones (an absent token or key keeps the
   * stored one), then checked as a whole — mode http needs both secrets, a schedule a real zone and cron.
   */
  const nextChannel = (
    id: string,
    current: ChannelSettings,
    input: {
      events?: EventSettingsInput | undefined;
      schedule?: Schedule | undefined;
      login?: ChannelSettings['login'] | undefined;
      outbound?: OutboundSettingsOutput | undefined;
    },
  ): ChannelSettings => {
    const events = { ...current.events };
    if (input.events !== undefined) {
      events.mode = input.events.mode;
      if (input.events.callbackToken !== undefined) events.callbackToken = secretBox.seal(input.events.callbackToken, callbackTokenContext(id));
      if (input.events.aesKey !== undefined) events.aesKey = secretBox.seal(input.events.aesKey, aesKeyContext(id));
    }
    const outbound =
      input.outbound === undefined
        ? current.outbound
        : { enabled: input.outbound.enabled, agentId: input.outbound.agentId ?? null, units: input.outbound.units };
    const next: ChannelSettings = { events, schedule: input.schedule ?? current.schedule, login: input.login ?? current.login, outbound };
    const issues: InputIssue[] = input.schedule === undefined ? [] : scheduleIssues(next.schedule);
    if (events.mode === 'http') {
      for (const key of ['callbackToken', 'aesKey'] as const) {
        if (events[key] === null) issues.push({ field: `events.${key}`, message: EVENT_SECRET_HINTS[key], code: 'custom', path: ['events', key] });
      }
    }
    if (issues.length > 0) throw invalidBinding(issues);
    return next;
  };

  const eventContextOf = (row: Binding): BindingEventContext => {
    const { events } = channelOf(row);
    return {
      bindingId: row.id,
      corpId: row.corp_id,
      appKey: row.app_key,
      appSecret: secretBox.open(row.app_secret_enc, secretContext(row.id)),
      mode: events.mode,
      callbackToken: events.callbackToken === null ? null : secretBox.open(events.callbackToken, callbackTokenContext(row.id)),
      aesKey: events.aesKey === null ? null : secretBox.open(events.aesKey, aesKeyContext(row.id)),
      apiBase: row.api_base,
    };
  };

  /** The row as the API shows it: everything but the secrets. */
  const viewOf = (row: Binding): BindingView => {
    const channel = channelOf(row);
    const next = nextScheduledAt(row.id, channel.schedule, new Date(clock.now()));
    return {
      id: row.id,
      name: row.name,
      corpId: row.corp_id,
      appKey: row.app_key,
      appSecretSet: row.app_secret_enc !== '',
      agentId: row.agent_id,
      apiBase: row.api_base,
      targetUnitId: row.target_unit_id,
      scope: row.scope,
      thresholds: row.thresholds,
      leaverPolicy: row.leaver_policy,
      mapping: row.mapping,
      matching: row.matching,
      events: {
        mode: channel.events.mode,
        callbackTokenSet: channel.events.callbackToken !== null,
        aesKeySet: channel.events.aesKey !== null,
        requestUrl: channel.events.mode === 'http' ? `${publicUrl}/callback/idp/dingtalk/orgapp/${encodeURIComponent(row.corp_id)}` : null,
        lastCheckUrlAt: row.callback_checked_at === null ? null : new Date(row.callback_checked_at).toISOString(),
      },
      schedule: channel.schedule,
      nextScheduledAt: next === null ? null : next.toISOString(),
      login: channel.login,
      outbound: channel.outbound,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  };

  const clientFor = (row: Binding): DingTalkClient => {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([row.app_key, row.app_secret_enc, row.api_base]))
      .digest('hex');
    const cached = clients.get(row.id);
    if (cached?.fingerprint === fingerprint) return cached.client;
    const appSecret = secretBox.open(row.app_secret_enc, secretContext(row.id));
    const client = buildClient({ appKey: row.app_key, appSecret }, row.api_base);
    clients.set(row.id, { fingerprint, client });
    return client;
  };

  return {
    async add(input: BindingCreateInput, options = {}): Promise<BindingView> {
      const { body, extra } = parseWithMapping(bindingCreateSchema, input);
      const settings: BindingSettings = {
        scope: body.scope ?? { kind: 'all' },
        thresholds: body.thresholds ?? { ...DEFAULT_DELETION_THRESHOLDS },
        leaverPolicy: body.leaverPolicy ?? { deleteAfterDays: null },
        mapping: extra.mapping ?? defaultMapping(),
        matching: extra.matching ?? [],
      };
      const apiBase = body.apiBase === undefined ? null : normalizeApiBase(body.apiBase);
      const id = randomUUID();
      const channel = nextChannel(id, defaultChannel(), body);

      // Checked before calling DingTalk, for a clean message; the unique constraint still decides races below.
      await ensureCorpFree(body.corpId);
      if (options.verify !== false) await verify(body.corpId, { appKey: body.appKey, appSecret: body.appSecret }, apiBase);

      const now = new Date(clock.now());
      const stored = printSettings(settings);
      try {
        await db.transaction().execute(async (trx) => {
          let targetUnitId = body.targetUnitId;
          if (targetUnitId === undefined) {
            targetUnitId = await deps.createTargetUnit(body.name, trx);
          } else {
            // Locked, so two bindings added at once cannot both take the same unit.
            const unit = await trx.selectFrom('units').select('id').where('id', '=', targetUnitId).forUpdate().executeTakeFirst();
            if (unit === undefined) throw unitNotFound(targetUnitId);
            const holder = await trx.selectFrom('bindings').select('id').where('target_unit_id', '=', targetUnitId).executeTakeFirst();
            if (holder !== undefined) throw targetTaken(targetUnitId, holder.id);
          }
          await ensureOutboundUnits(trx, targetUnitId, channel.outbound);
          await trx
            .insertInto('bindings')
            .values({
              id,
              name: body.name,
              corp_id: body.corpId,
              app_key: body.appKey,
              app_secret_enc: secretBox.seal(body.appSecret, secretContext(id)),
              agent_id: body.agentId ?? null,
              api_base: apiBase === null ? null : json({ ...apiBase }),
              target_unit_id: targetUnitId,
              ...jsonColumns(stored),
              settings: json(channelJson(channel)),
              created_at: now,
              updated_at: now,
            })
            .execute();
        });
      } catch (error) {
        throw translateConflict(error, body.corpId);
      }
      log({ bindingId: id, corpId: body.corpId, verified: options.verify !== false }, 'binding added');
      await changed(id);
      return viewOf(await load(id));
    },

    async list(): Promise<BindingView[]> {
      const rows = await db.selectFrom('bindings').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(viewOf);
    },

    async show(id: string): Promise<BindingView> {
      return viewOf(await load(id));
    },

    async update(id: string, patch: BindingUpdateInput, options = {}): Promise<BindingView> {
      const row = await load(id);
      const { body, extra } = parseWithMapping(bindingUpdateSchema, patch);

      const current = settingsOf(row);
      const settings: BindingSettings = {
        scope: body.scope ?? current.scope,
        thresholds: body.thresholds ?? current.thresholds,
        leaverPolicy: body.leaverPolicy ?? current.leaverPolicy,
        mapping: extra.mapping ?? current.mapping,
        matching: extra.matching ?? current.matching,
      };
      const apiBase = body.apiBase === undefined ? row.api_base : body.apiBase === null ? null : normalizeApiBase(body.apiBase);
      const channel = nextChannel(id, channelOf(row), body);
      const appKey = body.appKey ?? row.app_key;
      const credentialsChanged =
        (body.appKey !== undefined && body.appKey !== row.app_key) ||
        body.appSecret !== undefined ||
        !sameHosts(apiBase, row.api_base);
      if (credentialsChanged && options.verify !== false) {
        const appSecret = body.appSecret ?? secretBox.open(row.app_secret_enc, secretContext(id));
        await verify(row.corp_id, { appKey, appSecret }, apiBase);
      }

      if (body.outbound !== undefined) await ensureOutboundUnits(db, row.target_unit_id, channel.outbound);
      const stored = printSettings(settings);
      await db
        .updateTable('bindings')
        .set({
          ...(body.name === undefined ? {} : { name: body.name }),
          app_key: appKey,
          ...(body.appSecret === undefined ? {} : { app_secret_enc: secretBox.seal(body.appSecret, secretContext(id)) }),
          ...(body.agentId === undefined ? {} : { agent_id: body.agentId }),
          api_base: apiBase === null ? null : json({ ...apiBase }),
          ...jsonColumns(stored),
          settings: json({ ...row.settings, ...channelJson(channel) }),
          updated_at: new Date(clock.now()),
        })
        .where('id', '=', id)
        .execute();
      const changedKeys = Object.keys(body).filter((key) => key !== 'appSecret');
      log({ bindingId: id, changed: changedKeys, secretChanged: body.appSecret !== undefined, verified: credentialsChanged && options.verify !== false }, 'binding updated');
      await changed(id);
      return viewOf(await load(id));
    },

    async remove(id: string): Promise<BindingRemoval> {
      const removal = await db.transaction().execute(async (trx) => {
        await load(id, trx);
        const accounts = await trx
          .deleteFrom('external_identities')
          .where('binding_id', '=', id)
          .where('kind', '=', 'dingtalk_user')
          .executeTakeFirst();
        await trx.deleteFrom('external_identities').where('binding_id', '=', id).execute();
        // The units stay as local units (DESIGN.md: removing a binding never deletes directory objects).
        const units = await trx.updateTable('units').set({ binding_id: null }).where('binding_id', '=', id).executeTakeFirst();
        await trx.deleteFrom('sync_runs').where('binding_id', '=', id).execute(); // their sync_ops cascade
        await trx.deleteFrom('bindings').where('id', '=', id).execute();
        return { id, unlinkedAccounts: Number(accounts.numDeletedRows), unlinkedUnits: Number(units.numUpdatedRows) };
      });
      clients.delete(id);
      log({ bindingId: id, unlinkedAccounts: removal.unlinkedAccounts, unlinkedUnits: removal.unlinkedUnits }, 'binding removed');
      await changed(id);
      return removal;
    },

    async check(id: string): Promise<BindingCheckReport> {
      const row = await load(id);
      const { scope } = settingsOf(row);
      const outbound = channelOf(row).outbound.enabled;
      const report = await checkBinding(clientFor(row), { bindingId: id, corpId: row.corp_id, scope, outbound }, new Date(clock.now()));
      log({ bindingId: id, ok: report.ok, notOk: notOkKeys(report) }, 'binding checked');
      return report;
    },

    async test(input: CredentialTestInput): Promise<CredentialTestReport> {
      const parsed = credentialTestSchema.safeParse(input);
      if (!parsed.success) throw invalidBinding(inputIssues(parsed.error.issues));
      const body = parsed.data;
      const apiBase = body.apiBase === undefined ? null : normalizeApiBase(body.apiBase);
      // A throwaway client, as for verify: nothing of these credentials is kept once the report is made.
      const client = buildClient({ appKey: body.appKey, appSecret: body.appSecret }, apiBase);
      const target = { bindingId: null, corpId: body.corpId, scope: body.scope ?? { kind: 'all' as const }, outbound: body.outbound === true };
      const report = await checkBinding(client, target, new Date(clock.now()));
      log({ corpId: body.corpId, appKey: body.appKey, ok: report.ok, notOk: notOkKeys(report) }, 'credentials tested');
      return report;
    },

    async previewMapping(id: string, input: MappingPreviewInput): Promise<MappingPreview> {
      const row = await load(id);
      const { body, extra } = parseWithMapping(mappingPreviewInputSchema, input);
      const current = settingsOf(row);
      return previewMapping(
        db,
        clientFor(row),
        {
          bindingId: id,
          scope: current.scope,
          mapping: extra.mapping ?? current.mapping,
          matching: extra.matching ?? current.matching,
          limit: body.limit,
        },
        new Date(clock.now()),
      );
    },

    async recordCheckUrl(bindingId: string, at: Date): Promise<void> {
      await db.updateTable('bindings').set({ callback_checked_at: at }).where('id', '=', bindingId).execute();
    },

    async syncContext(id: string): Promise<BindingSyncContext> {
      const row = await load(id);
      const settings = settingsOf(row);
      return {
        binding: {
          id: row.id,
          corpId: row.corp_id,
          targetUnitId: row.target_unit_id,
          scope: settings.scope,
          mapping: settings.mapping,
          matching: settings.matching,
          leaverPolicy: settings.leaverPolicy,
        },
        thresholds: settings.thresholds,
        name: row.name,
        corpId: row.corp_id,
        client: clientFor(row),
      };
    },

    async clientOf(id: string): Promise<DingTalkClient> {
      return clientFor(await load(id));
    },

    async eventContext(bindingId: string): Promise<BindingEventContext> {
      return eventContextOf(await load(bindingId));
    },

    async eventContextByCorp(corpId: string): Promise<BindingEventContext | undefined> {
      const row = await db.selectFrom('bindings').selectAll().where('corp_id', '=', corpId).executeTakeFirst();
      return row === undefined ? undefined : eventContextOf(row);
    },

    async eventBindings(): Promise<BindingEventContext[]> {
      // A handful of bindings per installation: filtered here rather than by a jsonb query.
      const rows = await db.selectFrom('bindings').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.filter((row) => channelOf(row).events.mode !== 'off').map(eventContextOf);
    },

    async outboundBindings(executor: Kysely<Database> = db): Promise<OutboundBinding[]> {
      const rows = await executor.selectFrom('bindings').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.flatMap((row) => {
        const { outbound } = channelOf(row);
        if (!outbound.enabled) return [];
        return [{ bindingId: row.id, targetUnitId: row.target_unit_id, agentId: outbound.agentId ?? row.agent_id, units: outbound.units }];
      });
    },

    async schedules(): Promise<{ bindingId: string; schedule: Schedule }[]> {
      const rows = await db.selectFrom('bindings').select(['id', 'settings']).orderBy('created_at').orderBy('id').execute();
      return rows.map((row) => {
        const parsed = parseChannelSettings(row.settings);
        if (!parsed.ok) throw corruptBinding(row.id, parsed.issues);
        return { bindingId: row.id, schedule: parsed.value.schedule };
      });
    },
  };

  /** Each chosen outbound unit must exist inside the binding's target subtree (outbound pushes only that subtree). */
  async function ensureOutboundUnits(executor: Kysely<Database>, targetUnitId: string, outbound: ChannelSettings['outbound']): Promise<void> {
    if (outbound.units.kind === 'all') return;
    const chosen = outbound.units.units.map((unit) => unit.unitId);
    const inside = await sql<{ id: string }>`
      with recursive subtree as (
        select id from units where id = ${targetUnitId}
        union all
        select u.id from units u join subtree s on u.parent_id = s.id
      )
      select id from subtree where id in (${sql.join(chosen)})`.execute(executor);
    const found = new Set(inside.rows.map((r) => r.id));
    const issues: InputIssue[] = [];
    chosen.forEach((unitId, index) => {
      if (!found.has(unitId)) {
        issues.push({
          field: `outbound.units.units.${index}.unitId`,
          message: `no unit ${unitId} inside the binding's target unit ${targetUnitId}; choose units of its subtree (\`dingbridge units list\`)`,
          code: 'custom',
          path: ['outbound', 'units', 'units', index, 'unitId'],
        });
      }
    });
    if (issues.length > 0) throw invalidBinding(issues);
  }

  async function ensureCorpFree(corpId: string): Promise<void> {
    const holder = await db.selectFrom('bindings').select('id').where('corp_id', '=', corpId).executeTakeFirst();
    if (holder !== undefined) throw corpIdTaken(corpId, holder.id);
  }
}

/** One URL means all three hosts (the emulator serves them on one origin). */
function normalizeApiBase(apiBase: string | DingTalkApiBase): DingTalkApiBase {
  if (typeof apiBase === 'string') return { oapi: apiBase, api: apiBase, login: apiBase };
  const hosts: DingTalkApiBase = {};
  if (apiBase.oapi !== undefined) hosts.oapi = apiBase.oapi;
  if (apiBase.api !== undefined) hosts.api = apiBase.api;
  if (apiBase.login !== undefined) hosts.login = apiBase.login;
  return hosts;
}

/** Host by host: jsonb gives keys back in its own order, so the JSON text of equal values may differ. */
function sameHosts(a: DingTalkApiBase | null, b: DingTalkApiBase | null): boolean {
  if (a === null || b === null) return a === b;
  return a.oapi === b.oapi && a.api === b.api && a.login === b.login;
}

function storedOf(row: Binding): StoredSettings {
  return { scope: row.scope, thresholds: row.thresholds, leaverPolicy: row.leaver_policy, mapping: row.mapping, matching: row.matching };
}

function jsonColumns(stored: StoredSettings) {
  return {
    scope: json(stored.scope),
    thresholds: json(stored.thresholds),
    leaver_policy: json(stored.leaverPolicy),
    mapping: json(stored.mapping),
    matching: json(stored.matching),
  };
}

/** Channel settings of a new binding: events off, no schedule, no sign-in. */
function defaultChannel(): ChannelSettings {
  const parsed = parseChannelSettings({});
  if (!parsed.ok) throw new Error('the channel settings defaults do not parse');
  return parsed.value;
}

function channelJson(channel: ChannelSettings): JsonObject {
  const { outbound } = channel;
  return {
    events: { ...channel.events },
    schedule: { ...channel.schedule },
    login: { ...channel.login, methods: [...channel.login.methods] },
    outbound: {
      enabled: outbound.enabled,
      agentId: outbound.agentId,
      units: outbound.units.kind === 'all' ? { kind: 'all' } : { kind: 'units', units: outbound.units.units.map((unit) => ({ ...unit })) },
    },
  };
}

/** The unique constraint on `corp_id` decides a race the pre-check lost (STYLE.md §5: translated at the edge first). */
function translateConflict(error: unknown, corpId: string): unknown {
  if (isAppError(error) && !isAppError(error, 'db.conflict')) return error;
  const translated = translatePostgresError(error);
  if (isAppError(translated, 'db.conflict') && translated.details.constraint === 'bindings_corp_id_key') {
    return corpIdTaken(corpId, undefined);
  }
  return translated;
}

function notOkKeys(report: Pick<BindingCheckReport, 'items'>): string[] {
  return report.items.filter((item) => item.status === 'missing' || item.status === 'failed').map((item) => item.key);
}
