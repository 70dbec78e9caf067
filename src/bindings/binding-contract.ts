/**
 * The public contract of the bindings area: what the REST API, the CLI (direct or through the server) and the
 * console send and receive. zod schemas, types derived from them. Secrets go in (`appSecret`) and never come out:
 * a binding view says only whether a secret is set.
 */
import { z } from 'zod';
import { deletionThresholdsSchema, leaverPolicySchema, syncScopeSchema } from '../sync/index.ts';

/** DingTalk's three hosts; a binding without `apiBase` talks to the real DingTalk. One URL sets all three (the emulator serves all on one origin). */
export const apiBaseSchema = z.union([
  z.url({ protocol: /^https?$/ }),
  z.object({ oapi: z.url().optional(), api: z.url().optional(), login: z.url().optional() }).strict(),
]);

/**
 * Real-time events (issue 5): `http` = DingTalk pushes to `{PUBLIC_URL}/callback/idp/dingtalk/orgapp/{corpId}`
 * (§7; needs the callback token and AES key set in DingTalk's console), `stream` = Dingbridge connects to DingTalk's
 * Stream gateway (§9), `off` = scheduled and manual syncs only. Token and key are secrets: sealed at rest, never shown.
 */
export const EVENT_MODES = ['off', 'http', 'stream'] as const;
export const eventSettingsInputSchema = z
  .object({
    mode: z.enum(EVENT_MODES),
    /** §7.3: the token DingTalk signs with; 3 to 32 letters or digits (absent keeps the stored one). */
    callbackToken: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'expected 3 to 32 letters or digits').optional(),
    /** §7.3: the 43-character EncodingAESKey (absent keeps the stored one). */
    aesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'expected exactly 43 letters or digits').optional(),
  })
  .strict();
export type EventSettingsInput = z.input<typeof eventSettingsInputSchema>;

/**
 * Scheduled reconciliation (issue 5): a full sync on a schedule, fired once however many replicas run. Times and
 * cron expressions are read in `timezone` (IANA name; default Asia/Shanghai, DingTalk's home).
 */
export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('off') }).strict(),
  z.object({ kind: z.literal('cron'), cron: z.string().trim().min(1), timezone: z.string().default('Asia/Shanghai') }).strict(),
  z
    .object({
      kind: z.literal('daily'),
      times: z.array(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM')).min(1).max(24),
      timezone: z.string().default('Asia/Shanghai'),
    })
    .strict(),
  /** Every N hours on the hour, aligned to the clock in UTC (cron `0 *\/N * * *`), not to when it was saved. */
  z.object({ kind: z.literal('interval'), hours: z.number().int().min(1).max(24) }).strict(),
]);
export type Schedule = z.output<typeof scheduleSchema>;
export type ScheduleInput = z.input<typeof scheduleSchema>;

/**
 * Sign-in with DingTalk (issue 6): which ways are offered, whether people outside the organization may sign in,
 * and whether a member not yet synced is created on first sign-in or refused until a sync brings them.
 */
export const LOGIN_METHODS = ['qr', 'workbench'] as const;
export const loginSettingsSchema = z
  .object({
    methods: z.array(z.enum(LOGIN_METHODS)).default([]),
    outsiders: z.enum(['deny', 'allow']).default('deny'),
    provisionOnLogin: z.enum(['create', 'refuse']).default('refuse'),
  })
  .strict();
export type LoginSettings = z.output<typeof loginSettingsSchema>;
export type LoginSettingsInput = z.input<typeof loginSettingsSchema>;

/**
 * Outbound provisioning (issue 7): local units and accounts created or changed through the admin API or CLI inside
 * the binding's target subtree, and in these units, are pushed to DingTalk (§5). `units` absent or `{kind: 'all'}`
 * = the whole target subtree; otherwise chosen units, each with its subtree (default) or alone. New units under a
 * chosen subtree are in scope automatically (scope is evaluated when a change is recorded, never frozen). Accounts
 * in scope = the members of the units in scope. `agentId` absent = the binding's own AgentId.
 */
export const outboundUnitsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z
    .object({
      kind: z.literal('units'),
      units: z.array(z.object({ unitId: z.uuid(), subtree: z.boolean().default(true) }).strict()).min(1).max(1000),
    })
    .strict(),
]);
export type OutboundUnits = z.output<typeof outboundUnitsSchema>;
export const outboundSettingsSchema = z
  .object({
    enabled: z.boolean(),
    agentId: z.string().regex(/^\d{1,50}$/, 'expected digits (the AgentId from the developer console)').nullable().optional(),
    units: outboundUnitsSchema.default({ kind: 'all' }),
  })
  .strict();
export type OutboundSettingsInput = z.input<typeof outboundSettingsSchema>;
export type OutboundSettingsOutput = z.output<typeof outboundSettingsSchema>;
export type OutboundSettings = { enabled: boolean; agentId: string | null; units: OutboundUnits };

/**
 * `POST /api/v1/bindings`, `dingbridge bindings add`. Unknown keys are refused (a typo must not be silently dropped).
 * `targetUnitId` absent: a new unit named after the binding is created at the top of the directory.
 * `mapping`/`matching`/`scope`/`thresholds`/`leaverPolicy` take the sync area's schemas; absent = defaults.
 */
export const bindingCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    corpId: z.string().trim().min(1).max(100),
    appKey: z.string().trim().min(1).max(200),
    appSecret: z.string().min(1).max(500),
    agentId: z.string().trim().min(1).max(50).optional(),
    apiBase: apiBaseSchema.optional(),
    targetUnitId: z.uuid().optional(),
    scope: syncScopeSchema.optional(),
    thresholds: deletionThresholdsSchema.optional(),
    leaverPolicy: leaverPolicySchema.optional(),
    /** Field mapping spec: target → `{source, mode}` (see `fieldMappingSchema`). Absent = `DEFAULT_FIELD_MAPPING_SPEC`. */
    mapping: z.record(z.string(), z.unknown()).optional(),
    /** Matching rules (presets by name or `{name, local, source}`), in order. Absent = none. */
    matching: z.array(z.unknown()).optional(),
    /** Absent = `{mode: 'off'}`. */
    events: eventSettingsInputSchema.optional(),
    /** Absent = `{kind: 'off'}`. */
    schedule: scheduleSchema.optional(),
    /** Absent = no DingTalk sign-in for this binding. */
    login: loginSettingsSchema.optional(),
    /** Absent = outbound provisioning off. An update replaces it whole. */
    outbound: outboundSettingsSchema.optional(),
  })
  .strict();
export type BindingCreateInput = z.input<typeof bindingCreateSchema>;

/** `PATCH /api/v1/bindings/:id`, `dingbridge bindings update`: any subset; `corpId` and `targetUnitId` cannot change (the anchor). `apiBase: null` = back to the real DingTalk. */
export const bindingUpdateSchema = bindingCreateSchema
  .omit({ corpId: true, targetUnitId: true })
  .partial()
  .extend({ apiBase: apiBaseSchema.nullable().optional(), agentId: z.string().trim().min(1).max(50).nullable().optional() })
  .strict();
export type BindingUpdateInput = z.input<typeof bindingUpdateSchema>;

/** What the API and CLI show of a binding. Never the secret. Settings are shown in their parsed, canonical form. */
export const bindingViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  corpId: z.string(),
  appKey: z.string(),
  /** Always true for a stored binding: the secret itself is never returned. */
  appSecretSet: z.boolean(),
  agentId: z.string().nullable(),
  apiBase: z.object({ oapi: z.string().optional(), api: z.string().optional(), login: z.string().optional() }).nullable(),
  targetUnitId: z.uuid(),
  scope: z.json(),
  thresholds: z.json(),
  leaverPolicy: z.json(),
  /** Printed form: target → `{source, mode}`. */
  mapping: z.json(),
  matching: z.json(),
  events: z.object({
    mode: z.enum(EVENT_MODES),
    callbackTokenSet: z.boolean(),
    aesKeySet: z.boolean(),
    /** What to paste into DingTalk's console as the Request URL (事件订阅 → 请求网址); null unless mode is http. */
    requestUrl: z.string().nullable(),
    /** When this server last answered DingTalk's `check_url` for the binding (DingTalk accepted the URL, token and key); null before. */
    lastCheckUrlAt: z.iso.datetime().nullable(),
  }),
  schedule: z.json(),
  /** Next time the schedule fires, when it is on. */
  nextScheduledAt: z.iso.datetime().nullable(),
  login: z.object({ methods: z.array(z.enum(LOGIN_METHODS)), outsiders: z.enum(['deny', 'allow']), provisionOnLogin: z.enum(['create', 'refuse']) }),
  /** Outbound provisioning; `agentId` is the outbound one as stored (null = the binding's `agentId`). */
  outbound: z.object({
    enabled: z.boolean(),
    agentId: z.string().nullable(),
    units: z.union([
      z.object({ kind: z.literal('all') }),
      z.object({ kind: z.literal('units'), units: z.array(z.object({ unitId: z.uuid(), subtree: z.boolean() })) }),
    ]),
  }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type BindingView = z.infer<typeof bindingViewSchema>;

export const CHECK_STATUSES = ['ok', 'missing', 'failed', 'skipped'] as const;

/** One line of `bindings check`: a step (credentials, corp, a permission, the scope) and what to do about it. */
export const bindingCheckItemSchema = z.object({
  /** `credentials`, `corp_id`, `permission:<name>` (e.g. `permission:qyapi_get_member`), `scope`. */
  key: z.string(),
  status: z.enum(CHECK_STATUSES),
  /** One sentence, for people: what was found. */
  message: z.string(),
  /** What to do, when status is not `ok` (which console page, which permission to request). */
  hint: z.string().optional(),
  /** The DingTalk API probed, when one was. */
  api: z.string().optional(),
});
export const bindingCheckReportSchema = z.object({
  bindingId: z.uuid(),
  /** True when every item is `ok` or `skipped`. */
  ok: z.boolean(),
  items: z.array(bindingCheckItemSchema),
  /** The app's address-book scope (§3.6): `authed_dept` and `authed_user`; null when it could not be read. */
  scope: z.object({ departments: z.array(z.number()), users: z.array(z.string()), wholeOrganization: z.boolean() }).nullable(),
  checkedAt: z.iso.datetime(),
});
export type BindingCheckItem = z.infer<typeof bindingCheckItemSchema>;
export type BindingCheckReport = z.infer<typeof bindingCheckReportSchema>;

/**
 * `POST /api/v1/bindings/test`: a live test of credentials that are not stored (the wizard's first step). Nothing is
 * written; the secret is never echoed. `scope` absent = the whole organization; `outbound` probes the write permission.
 */
export const credentialTestSchema = bindingCreateSchema
  .pick({ corpId: true, appKey: true, appSecret: true, apiBase: true, scope: true })
  .extend({ outbound: z.boolean().optional() })
  .strict();
export type CredentialTestInput = z.input<typeof credentialTestSchema>;
/** The same report as `bindings check`, for credentials that belong to no binding yet (`bindingId` null). */
export const credentialTestReportSchema = bindingCheckReportSchema.extend({ bindingId: z.null() });
export type CredentialTestReport = z.infer<typeof credentialTestReportSchema>;

/** How many people a mapping preview fetches at most (a handful of DingTalk calls, never a crawl). */
export const PREVIEW_MAX_PEOPLE = 20;

/**
 * `POST /api/v1/bindings/:id/preview-mapping`: a field mapping and matching rules, not yet saved, tried on real
 * people of the binding's organization. `mapping`/`matching` absent = the binding's stored ones.
 */
export const mappingPreviewInputSchema = z
  .object({
    mapping: z.record(z.string(), z.unknown()).optional(),
    matching: z.array(z.unknown()).optional(),
    limit: z.int().min(1).max(PREVIEW_MAX_PEOPLE).default(10),
  })
  .strict();
export type MappingPreviewInput = z.input<typeof mappingPreviewInputSchema>;

/** An existing local account as a preview names it. */
const previewAccountSchema = z.object({ id: z.uuid(), username: z.string(), displayName: z.string() });

/**
 * What the next sync would do with one person: `linked` (already this binding's; `changes` it would make),
 * `matched` (an existing account by a matching rule, which would be linked), `create` (a new account), or no
 * account, for review: `ambiguous` (a rule found several), `contested` (several people match one account),
 * `missing_required` (a required field maps to nothing), `username_taken` (the new username is another account's).
 */
export const previewOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('linked'), account: previewAccountSchema, changes: z.array(z.string()) }),
  z.object({ kind: z.literal('matched'), account: previewAccountSchema, rule: z.string() }),
  z.object({ kind: z.literal('create') }),
  z.object({ kind: z.literal('ambiguous'), rule: z.string(), candidates: z.array(previewAccountSchema) }),
  z.object({ kind: z.literal('contested'), rule: z.string(), account: previewAccountSchema, rivals: z.array(z.string()) }),
  z.object({ kind: z.literal('missing_required'), fields: z.array(z.string()) }),
  z.object({ kind: z.literal('username_taken'), account: previewAccountSchema }),
]);
export type PreviewOutcome = z.infer<typeof previewOutcomeSchema>;

export const mappingPreviewSchema = z.object({
  bindingId: z.uuid(),
  /** The DingTalk departments whose first page of members was read. */
  departments: z.array(z.number()),
  people: z.array(
    z.object({
      userid: z.string(),
      /** The DingTalk user record as `topapi/v2/user/list` returned it (§4.3). */
      dingtalk: z.record(z.string(), z.json()),
      /** Each mapped target's value (null: the source is empty). */
      mapped: z.record(z.string(), z.string().nullable()),
      outcome: previewOutcomeSchema,
    }),
  ),
  fetchedAt: z.iso.datetime(),
});
export type MappingPreview = z.infer<typeof mappingPreviewSchema>;

/** `DELETE /api/v1/bindings/:id`: the binding and its links go; its units and accounts stay as local objects. */
export const bindingRemovalSchema = z.object({ id: z.uuid(), unlinkedAccounts: z.number(), unlinkedUnits: z.number() });
export type BindingRemoval = z.infer<typeof bindingRemovalSchema>;

/** What the event receiver and the Stream listener need of a binding (secrets opened). */
export interface BindingEventContext {
  bindingId: string;
  corpId: string;
  appKey: string;
  appSecret: string;
  mode: (typeof EVENT_MODES)[number];
  callbackToken: string | null;
  aesKey: string | null;
  /** The binding's DingTalk hosts; null = the real DingTalk (the Stream gateway is on the `api` host). */
  apiBase: { oapi?: string; api?: string; login?: string } | null;
}

/** What the outbox needs of a binding with outbound provisioning on (`Bindings.outboundBindings`). */
export interface OutboundBinding {
  bindingId: string;
  targetUnitId: string;
  /** The outbound AgentId, else the binding's; null when neither is set. */
  agentId: string | null;
  units: OutboundUnits;
}

/** The bindings area as the rest of the application (HTTP routes, CLI) uses it. Errors are AppErrors (`binding.not_found`, `binding.corp_id_taken`, `binding.invalid`). */
export interface BindingsService {
  /** Verifies the credentials and the CorpId against DingTalk before storing, unless `verify: false`. */
  add(input: BindingCreateInput, options?: { verify?: boolean }): Promise<BindingView>;
  list(): Promise<BindingView[]>;
  show(id: string): Promise<BindingView>;
  /** Re-verifies when the AppKey, AppSecret or apiBase change, unless `verify: false`. */
  update(id: string, patch: BindingUpdateInput, options?: { verify?: boolean }): Promise<BindingView>;
  remove(id: string): Promise<BindingRemoval>;
  check(id: string): Promise<BindingCheckReport>;
  /** The check report for credentials that are not stored; nothing is written. */
  test(input: CredentialTestInput): Promise<CredentialTestReport>;
  /** An unsaved mapping and matching rules tried on a few real DingTalk people; nothing is written. `binding.invalid` names each bad expression. */
  previewMapping(id: string, input: MappingPreviewInput): Promise<MappingPreview>;
}
