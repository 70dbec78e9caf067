/**
 * The public contract of the directory: `dingbridge directory export --json` and `GET /api/v1/directory`.
 */
import { z } from 'zod';
import { OUTBOUND_LOG_STATUSES, SYNC_OP_STATUSES, SYNC_RUN_KINDS, SYNC_RUN_STATUSES } from '../db/index.ts';

export const exportedUnitSchema = z.object({
  id: z.uuid(),
  parentId: z.uuid().nullable(),
  name: z.string(),
  /** The DingTalk department the unit is linked to; null for a local unit (a binding's target unit, say). */
  external: z.object({ corpId: z.string(), deptId: z.number() }).nullable(),
});
export const exportedAccountSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  mobile: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']),
  /** Units the account is a member of, main membership first, then by the membership's order. */
  unitIds: z.array(z.uuid()),
  /** The account's DingTalk link; null for a local account. (An account linked to two bindings shows the first.) */
  external: z.object({ corpId: z.string(), userid: z.string(), unionid: z.string().nullable() }).nullable(),
});
export const directoryExportSchema = z.object({
  units: z.array(exportedUnitSchema),
  accounts: z.array(exportedAccountSchema),
});
export type DirectoryExport = z.infer<typeof directoryExportSchema>;

export interface DirectoryService {
  export(): Promise<DirectoryExport>;
}

/*
 * Managing the directory by hand (issue 7): units and accounts added, changed and removed through the admin API
 * (`/api/v1/units`, `/api/v1/accounts`) and the CLI (`dingbridge units …`, `dingbridge accounts …`). Inside a
 * binding's target subtree with outbound provisioning on, each change is pushed to DingTalk.
 */

const unitName = z.string().trim().min(1).max(64);
/** §5.1: DingTalk's department `order`; a smaller value sorts first. */
const order = z.number().int().min(0).max(2_147_483_647);

/** `POST /api/v1/units`, `dingbridge units add`. `parentId: null` = a new top-level unit. */
export const unitCreateSchema = z.object({ name: unitName, parentId: z.uuid().nullable(), order: order.optional() }).strict();
export type UnitCreateRequest = z.input<typeof unitCreateSchema>;
/** `PATCH /api/v1/units/:id`. */
export const unitUpdateSchema = z.object({ name: unitName.optional(), order: order.optional() }).strict();
export type UnitUpdateRequest = z.input<typeof unitUpdateSchema>;
/** `POST /api/v1/units/:id/move`. */
export const unitMoveSchema = z.object({ parentId: z.uuid() }).strict();
export type UnitMoveRequest = z.input<typeof unitMoveSchema>;
/** `GET /api/v1/units`: all units (parents before children), or the children of one. */
export const unitListQuerySchema = z.object({ parentId: z.uuid().optional() }).strict();
export type UnitListQuery = z.input<typeof unitListQuerySchema>;

/** A link of a local object to DingTalk, one per binding. */
export const deptLinkSchema = z.object({ bindingId: z.uuid(), corpId: z.string(), deptId: z.number() });
export const userLinkSchema = z.object({ bindingId: z.uuid(), corpId: z.string(), userid: z.string(), unionid: z.string().nullable() });

export const unitViewSchema = z.object({
  id: z.uuid(),
  parentId: z.uuid().nullable(),
  name: z.string(),
  order: z.number(),
  /** The binding whose inbound sync created the unit; null for a unit made here. */
  bindingId: z.uuid().nullable(),
  /** The DingTalk departments this unit is linked to (made by the inbound sync, or by an outbound push). */
  links: z.array(deptLinkSchema),
  /** Direct members and direct child units. */
  memberCount: z.number(),
  childCount: z.number(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type UnitView = z.infer<typeof unitViewSchema>;

const username = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\s@][^\s]*$/, 'no spaces, and not starting with @');
const optionalText = (max: number) => z.string().trim().min(1).max(max);
const mobile = z.string().trim().regex(/^\+?[\d\s-]{5,24}$/, 'digits, optionally +country code, spaces or dashes');

/** The console administrator role (issue 8): signs in to the admin console with DingTalk while enabled. */
export const consoleRole = z.enum(['admin']);
export type ConsoleRoleName = z.infer<typeof consoleRole>;

/** `POST /api/v1/accounts`, `dingbridge accounts add`. The main unit defaults to the first of `unitIds`. */
export const accountCreateSchema = z
  .object({
    username,
    displayName: optionalText(64),
    email: z.email().max(64).optional(),
    mobile: mobile.optional(),
    jobNumber: optionalText(64).optional(),
    title: optionalText(64).optional(),
    unitIds: z.array(z.uuid()).min(1).max(100),
    mainUnitId: z.uuid().optional(),
  })
  .strict();
export type AccountCreateRequest = z.input<typeof accountCreateSchema>;
/** `PATCH /api/v1/accounts/:id`: any subset; null clears an optional field; `unitIds` replaces the memberships. */
export const accountUpdateSchema = z
  .object({
    username: username.optional(),
    displayName: optionalText(64).optional(),
    email: z.email().max(64).nullable().optional(),
    mobile: mobile.nullable().optional(),
    jobNumber: optionalText(64).nullable().optional(),
    title: optionalText(64).nullable().optional(),
    unitIds: z.array(z.uuid()).min(1).max(100).optional(),
    mainUnitId: z.uuid().optional(),
    /** Grants (`admin`) or takes away (null) the console administrator role; a local field, never pushed or synced. */
    consoleRole: consoleRole.nullable().optional(),
  })
  .strict();
export type AccountUpdateRequest = z.input<typeof accountUpdateSchema>;
/** `GET /api/v1/accounts`: `q` matches username, display name, email, mobile or job number (contains, ignoring case). */
export const accountListQuerySchema = z
  .object({
    q: z.string().trim().min(1).max(200).optional(),
    unitId: z.uuid().optional(),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
export type AccountListQuery = z.input<typeof accountListQuerySchema>;

export const accountViewSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  mobile: z.string().nullable(),
  jobNumber: z.string().nullable(),
  title: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']),
  /** `admin` or `sync` (a leaver) when disabled. */
  disabledBy: z.enum(['admin', 'sync']).nullable(),
  /** `admin`: a console administrator (effective only while enabled); null otherwise. */
  consoleRole: consoleRole.nullable(),
  /** Main unit first, then by the membership's order. */
  unitIds: z.array(z.uuid()),
  mainUnitId: z.uuid().nullable(),
  /** The memberships as stored, in the order of `unitIds`: main and leader flags, the order within the unit. */
  memberships: z.array(z.object({ unitId: z.uuid(), main: z.boolean(), leader: z.boolean(), order: z.number() })),
  links: z.array(userLinkSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type AccountView = z.infer<typeof accountViewSchema>;
export const accountPageSchema = z.object({ items: z.array(accountViewSchema), total: z.number(), offset: z.number(), limit: z.number() });
export type AccountPage = z.infer<typeof accountPageSchema>;

/**
 * Whether a field may be changed here (issue 8): false when a binding owns it (the object comes from DingTalk, lies
 * in the binding's target subtree, the mapping marks the field `dingtalk`, and outbound does not push the change
 * back), with that binding and a sentence saying what to do. The same rule the updates enforce.
 */
export const fieldEditabilitySchema = z.object({
  editable: z.boolean(),
  reason: z.string().optional(),
  owner: z.object({ bindingId: z.uuid(), bindingName: z.string() }).optional(),
});
export type FieldEditability = z.infer<typeof fieldEditabilitySchema>;
/** `GET /api/v1/accounts/:id/editable`. `unitIds` covers memberships and the main unit; `remove` the removal. */
export const accountEditabilitySchema = z.object({
  id: z.uuid(),
  fields: z.object({
    username: fieldEditabilitySchema,
    displayName: fieldEditabilitySchema,
    email: fieldEditabilitySchema,
    mobile: fieldEditabilitySchema,
    jobNumber: fieldEditabilitySchema,
    title: fieldEditabilitySchema,
    unitIds: fieldEditabilitySchema,
    remove: fieldEditabilitySchema,
  }),
});
export type AccountEditability = z.infer<typeof accountEditabilitySchema>;
/** `GET /api/v1/units/:id/editable`. `parentId` is a move; `remove` the removal (ownership only: emptiness is checked on removal). */
export const unitEditabilitySchema = z.object({
  id: z.uuid(),
  fields: z.object({ name: fieldEditabilitySchema, order: fieldEditabilitySchema, parentId: fieldEditabilitySchema, remove: fieldEditabilitySchema }),
});
export type UnitEditability = z.infer<typeof unitEditabilitySchema>;

/** `GET /api/v1/accounts/:id/history`: newest first, a page at a time. */
export const accountHistoryQuerySchema = z
  .object({
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
export type AccountHistoryQuery = z.input<typeof accountHistoryQuerySchema>;
const historyBase = { at: z.iso.datetime(), bindingId: z.uuid(), bindingName: z.string() };
/**
 * One change of an account: a sync operation on it or its memberships (dry runs left out: they change nothing; a
 * held run's operations stay `planned` until it is approved), or an outbound delivery of it to DingTalk.
 */
export const accountHistoryEntrySchema = z.discriminatedUnion('source', [
  z.object({
    source: z.literal('sync'),
    ...historyBase,
    /** When the run ended (or started, or was queued, while it has not). */
    runId: z.uuid(),
    runKind: z.enum(SYNC_RUN_KINDS),
    runStatus: z.enum(SYNC_RUN_STATUSES),
    seq: z.number(),
    /** A plan op kind: `account.update`, `membership.add`, … */
    op: z.string(),
    targetKind: z.enum(['account', 'membership']),
    externalId: z.string().nullable(),
    status: z.enum(SYNC_OP_STATUSES),
    reason: z.string().nullable(),
    /** The changed fields before and after (null for a create's before and a removal's after). */
    before: z.json().nullable(),
    after: z.json().nullable(),
  }),
  z.object({
    source: z.literal('outbound'),
    ...historyBase,
    seq: z.number(),
    operation: z.string(),
    status: z.enum(OUTBOUND_LOG_STATUSES),
    externalId: z.string().nullable(),
    /** What was sent to DingTalk. */
    request: z.json().nullable(),
    errcode: z.number().nullable(),
    /** `{code, message}` of a failure, or `{reason}` of a skip. */
    error: z.json().nullable(),
    attempt: z.number(),
  }),
]);
export type AccountHistoryEntry = z.infer<typeof accountHistoryEntrySchema>;
export const accountHistoryPageSchema = z.object({ items: z.array(accountHistoryEntrySchema), total: z.number(), offset: z.number(), limit: z.number() });
export type AccountHistoryPage = z.infer<typeof accountHistoryPageSchema>;

export const removalSchema = z.object({ id: z.uuid(), removed: z.literal(true) });
export type Removal = z.infer<typeof removalSchema>;

/** The units part of {@link DingbridgeApi}: errors `unit.not_found` 404, `unit.not_empty` 409, `unit.move_loop` 409, `unit.field_owned_by_dingtalk` 409, `directory.invalid` 400. */
export interface UnitsService {
  list(query?: UnitListQuery): Promise<UnitView[]>;
  show(id: string): Promise<UnitView>;
  add(input: UnitCreateRequest): Promise<UnitView>;
  update(id: string, patch: UnitUpdateRequest): Promise<UnitView>;
  move(id: string, input: UnitMoveRequest): Promise<UnitView>;
  remove(id: string): Promise<Removal>;
  /** Which changes the ownership rules allow here, field by field. */
  editable(id: string): Promise<UnitEditability>;
}

/** The accounts part: errors `account.not_found` 404, `account.username_taken` 409, `account.field_owned_by_dingtalk` 409, `unit.not_found` 404, `directory.invalid` 400. */
export interface AccountsService {
  list(query?: AccountListQuery): Promise<AccountPage>;
  show(id: string): Promise<AccountView>;
  add(input: AccountCreateRequest): Promise<AccountView>;
  update(id: string, patch: AccountUpdateRequest): Promise<AccountView>;
  disable(id: string): Promise<AccountView>;
  enable(id: string): Promise<AccountView>;
  remove(id: string): Promise<Removal>;
  /** Which changes the ownership rules allow here, field by field. */
  editable(id: string): Promise<AccountEditability>;
  /** The sync operations and outbound deliveries that touched the account, newest first. */
  history(id: string, query?: AccountHistoryQuery): Promise<AccountHistoryPage>;
}
