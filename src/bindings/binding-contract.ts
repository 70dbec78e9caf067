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

/** `DELETE /api/v1/bindings/:id`: the binding and its links go; its units and accounts stay as local objects. */
export const bindingRemovalSchema = z.object({ id: z.uuid(), unlinkedAccounts: z.number(), unlinkedUnits: z.number() });
export type BindingRemoval = z.infer<typeof bindingRemovalSchema>;

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
}
