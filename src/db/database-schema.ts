/**
 * Kysely types for the tables the migrations in `migrations/` create. Migrations never import these (they are a
 * snapshot of one moment); this file follows the migrations, and the schema-dump test catches drift in the SQL.
 *
 * Conventions:
 * - Ids are UUIDs the application makes with `crypto.randomUUID()` before inserting, so a plan can refer to rows
 *   it has not written yet; hence no `Generated<>` on ids.
 * - jsonb columns are written as JSON text (`JSON.stringify`, see {@link json}) and read back parsed: node-postgres
 *   would send a JS array as a PostgreSQL array literal, not as JSON.
 * - Timestamps are `timestamptz`, read as `Date`.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A `timestamptz` column with a default of `now()`. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb the application always provides. */
type Json<T> = ColumnType<T, string, string>;
/** jsonb with a database default, so inserts may leave it out. */
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export interface UnitTable {
  id: string;
  parent_id: string | null;
  name: string;
  /** The binding whose sync manages this unit; null for a unit created locally. */
  binding_id: string | null;
  /** bigint, read as a number (see `createDatabase`'s int8 parser). */
  sort_order: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export const ACCOUNT_STATUSES = ['enabled', 'disabled'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface AccountTable {
  id: string;
  /** Unique regardless of case. */
  username: string;
  display_name: string;
  email: string | null;
  mobile: string | null;
  job_number: string | null;
  title: string | null;
  /** `disabled` exactly when `disabled_at` is set (a check constraint holds both together). */
  status: Generated<AccountStatus>;
  attributes: JsonWithDefault<JsonObject>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  disabled_at: NullableTimestamp;
  /** Who disabled the account: `sync` (a leaver; re-enabled on re-hire) or `admin`; null exactly when enabled. */
  disabled_by: ColumnType<'sync' | 'admin' | null, 'sync' | 'admin' | null | undefined, 'sync' | 'admin' | null>;
}

export interface MembershipTable {
  account_id: string;
  unit_id: string;
  /** bigint (DingTalk orders are 64-bit), read as a number. */
  sort_order: Generated<number>;
  is_leader: Generated<boolean>;
  /** At most one main membership per account (a partial unique index). */
  is_main: Generated<boolean>;
  created_at: CreatedAt;
}

export const EXTERNAL_IDENTITY_KINDS = ['dingtalk_user', 'dingtalk_dept'] as const;
export type ExternalIdentityKind = (typeof EXTERNAL_IDENTITY_KINDS)[number];

/** The sync anchor: (binding, kind, DingTalk userid or dept_id) → local account or unit. */
export interface ExternalIdentityTable {
  binding_id: string;
  kind: ExternalIdentityKind;
  external_id: string;
  /** The login key for people (stable across one developer's apps); null for departments. */
  unionid: string | null;
  /** An account id for `dingtalk_user`, a unit id for `dingtalk_dept`. */
  local_id: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** Base URLs to reach DingTalk at; null in the row means the public DingTalk hosts. */
export interface DingTalkApiBase {
  oapi?: string;
  api?: string;
  login?: string;
}

export interface BindingTable {
  id: string;
  name: string;
  corp_id: string;
  app_key: string;
  /** Sealed with the secret box (`src/config`), context `binding:<id>:app_secret`. */
  app_secret_enc: string;
  agent_id: string | null;
  api_base: NullableJson<DingTalkApiBase>;
  target_unit_id: string;
  scope: Json<JsonValue>;
  thresholds: Json<JsonValue>;
  leaver_policy: Json<JsonValue>;
  mapping: Json<JsonValue>;
  matching: Json<JsonValue>;
  settings: JsonWithDefault<JsonObject>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export const SYNC_RUN_KINDS = ['full', 'event', 'reconcile'] as const;
export type SyncRunKind = (typeof SYNC_RUN_KINDS)[number];
export const SYNC_RUN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed', 'held', 'rejected'] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];

export interface SyncRunTable {
  id: string;
  binding_id: string;
  kind: SyncRunKind;
  dry_run: Generated<boolean>;
  status: Generated<SyncRunStatus>;
  counts: JsonWithDefault<JsonObject>;
  api_calls: JsonWithDefault<JsonObject>;
  plan: NullableJson<JsonValue>;
  error: NullableJson<JsonValue>;
  /** The step running now, or the one a failed run failed in. */
  step: ColumnType<SyncRunStep | null, SyncRunStep | null | undefined, SyncRunStep | null>;
  /** The guard's verdict `{verdict, reasons}`. */
  guard: NullableJson<JsonValue>;
  started_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  /** When an administrator approved or rejected a held run. */
  decided_at: NullableTimestamp;
  created_at: CreatedAt;
}

export const SYNC_RUN_STEPS = ['crawl', 'load', 'plan', 'guard', 'apply'] as const;
export type SyncRunStep = (typeof SYNC_RUN_STEPS)[number];

export const SYNC_OP_STATUSES = ['planned', 'applied', 'failed', 'skipped'] as const;
export type SyncOpStatus = (typeof SYNC_OP_STATUSES)[number];

/** One operation of a run's plan and its result. */
export interface SyncOpTable {
  run_id: string;
  /** Position in the plan, from 0. */
  seq: number;
  /** What the operation does (`create_account`, `disable_account`, …); the sync module owns the vocabulary. */
  op: string;
  /** What it acts on (`account`, `unit`, `membership`, …). */
  target_kind: string;
  external_id: string | null;
  local_id: string | null;
  status: Generated<SyncOpStatus>;
  reason: string | null;
  before: NullableJson<JsonValue>;
  after: NullableJson<JsonValue>;
}

/** A bearer token of the admin API; only its SHA-256 (hex) is stored. */
export interface AdminTokenTable {
  id: string;
  name: string;
  token_hash: string;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

/** The application's tables, for `Kysely<Database>`. */
export interface Database {
  admin_tokens: AdminTokenTable;
  units: UnitTable;
  accounts: AccountTable;
  memberships: MembershipTable;
  external_identities: ExternalIdentityTable;
  bindings: BindingTable;
  sync_runs: SyncRunTable;
  sync_ops: SyncOpTable;
}

export type Unit = Selectable<UnitTable>;
export type NewUnit = Insertable<UnitTable>;
export type UnitUpdate = Updateable<UnitTable>;
export type Account = Selectable<AccountTable>;
export type NewAccount = Insertable<AccountTable>;
export type AccountUpdate = Updateable<AccountTable>;
export type Membership = Selectable<MembershipTable>;
export type NewMembership = Insertable<MembershipTable>;
export type ExternalIdentity = Selectable<ExternalIdentityTable>;
export type NewExternalIdentity = Insertable<ExternalIdentityTable>;
export type Binding = Selectable<BindingTable>;
export type NewBinding = Insertable<BindingTable>;
export type BindingUpdate = Updateable<BindingTable>;
export type SyncRun = Selectable<SyncRunTable>;
export type NewSyncRun = Insertable<SyncRunTable>;
export type SyncRunUpdate = Updateable<SyncRunTable>;
export type SyncOp = Selectable<SyncOpTable>;
export type NewSyncOp = Insertable<SyncOpTable>;
export type AdminToken = Selectable<AdminTokenTable>;

/**
 * A value as jsonb column input: JSON text, which both drivers pass through unchanged.
 *
 * @example
 * await db.insertInto('bindings').values({ ..., scope: json({ kind: 'all' }) }).execute();
 */
export function json(value: JsonValue | Record<string, unknown> | readonly unknown[]): string {
  return JSON.stringify(value);
}

export const EVENT_INBOX_STATUSES = ['pending', 'processed', 'failed'] as const;
export type EventInboxStatus = (typeof EVENT_INBOX_STATUSES)[number];

/** One address-book event as received (migration 0003); unique per (binding_id, event_id). */
export interface EventInboxTable {
  id: string;
  binding_id: string;
  event_id: string;
  event_type: string;
  corp_id: string;
  born_at: NullableTimestamp;
  payload: Json<JsonValue>;
  source: 'http' | 'stream' | 'failed_list';
  status: Generated<EventInboxStatus>;
  attempts: Generated<number>;
  last_error: NullableJson<JsonValue>;
  next_attempt_at: NullableTimestamp;
  run_id: string | null;
  claimed_by: string | null;
  claimed_until: NullableTimestamp;
  received_at: CreatedAt;
  processed_at: NullableTimestamp;
}

// Declaration merging adds the table to `Database` without touching its declaration above.
export interface Database {
  event_inbox: EventInboxTable;
}
export type EventInboxRow = Selectable<EventInboxTable>;

/** A browser session (migration 0004); only the SHA-256 of the cookie value is stored. */
export interface AuthSessionTable {
  id: string;
  token_hash: string;
  account_id: string;
  binding_id: string | null;
  method: 'qr' | 'workbench';
  created_at: CreatedAt;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

/** A DingTalk sign-in in flight: `state` from the URL, the hash of the browser's nonce cookie. */
export interface AuthLoginStateTable {
  state: string;
  nonce_hash: string;
  binding_id: string;
  return_to: string;
  created_at: CreatedAt;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

/** Someone outside a bound organization, signed in where the binding allows outsiders. */
export interface AuthGuestTable {
  binding_id: string;
  unionid: string;
  account_id: string;
  created_at: CreatedAt;
}

/** An application (OIDC client); `id` is its client_id. */
export interface OidcAppTable {
  id: string;
  name: string;
  public: boolean;
  /** Sealed, context `oidc_app:<id>:client_secret`; null exactly for public clients. */
  client_secret_enc: string | null;
  redirect_uris: Json<string[]>;
  post_logout_redirect_uris: JsonWithDefault<string[]>;
  initiate_login_uri: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** One `oidc-provider` model (Session, AuthorizationCode, RefreshToken, Grant, Interaction, …). */
export interface OidcModelTable {
  kind: string;
  id: string;
  payload: Json<JsonObject>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
}

/** A signing key of the provider; the private JWK is sealed, context `oidc_key:<kid>`. */
export interface OidcKeyTable {
  kid: string;
  alg: string;
  private_jwk_enc: string;
  created_at: CreatedAt;
  retired_at: NullableTimestamp;
}

export interface Database {
  auth_sessions: AuthSessionTable;
  auth_login_states: AuthLoginStateTable;
  auth_guests: AuthGuestTable;
  oidc_apps: OidcAppTable;
  oidc_models: OidcModelTable;
  oidc_keys: OidcKeyTable;
}

export const OUTBOUND_OBJECT_KINDS = ['unit', 'account'] as const;
export type OutboundObjectKind = (typeof OUTBOUND_OBJECT_KINDS)[number];
export const OUTBOUND_LOG_STATUSES = ['delivered', 'skipped', 'retrying', 'failed'] as const;
export type OutboundLogStatus = (typeof OUTBOUND_LOG_STATUSES)[number];

/** Something still to push to DingTalk for one (binding, object) (migration 0005); delivery deletes the row. */
export interface OutboundOutboxTable {
  id: string;
  binding_id: string;
  object_kind: OutboundObjectKind;
  object_id: string;
  action: 'upsert' | 'remove';
  /** The DingTalk id remembered for a removal (the link is gone by delivery time). */
  external_id: string | null;
  /** A unit's depth under the binding's target unit (parents deliver first, removals children first). */
  depth: Generated<number>;
  /** Grows with every change recorded; a delivery that read an older version leaves the row pending. */
  version: Generated<number>;
  status: Generated<'pending' | 'failed'>;
  attempts: Generated<number>;
  last_error: NullableJson<JsonValue>;
  next_attempt_at: NullableTimestamp;
  claimed_by: string | null;
  claimed_until: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** What was last pushed for a linked object: the DingTalk fields and their hash. */
export interface OutboundPushedTable {
  binding_id: string;
  object_kind: OutboundObjectKind;
  object_id: string;
  external_id: string;
  fields: Json<JsonObject>;
  hash: string;
  updated_at: UpdatedAt;
}

/** One delivery attempt, for the per-binding delivery log. */
export interface OutboundLogTable {
  id: string;
  /** bigint identity: the log's order. */
  seq: ColumnType<number, never, never>;
  binding_id: string;
  object_kind: OutboundObjectKind;
  object_id: string;
  /** `create`, `update`, `delete`, `link`, `none`. */
  operation: string;
  status: OutboundLogStatus;
  external_id: string | null;
  request: NullableJson<JsonValue>;
  errcode: number | null;
  error: NullableJson<JsonValue>;
  attempt: Generated<number>;
  at: CreatedAt;
}

// Declaration merging adds the tables to `Database` without touching its declaration above.
export interface Database {
  outbound_outbox: OutboundOutboxTable;
  outbound_pushed: OutboundPushedTable;
  outbound_log: OutboundLogTable;
}

// Console administrators (migration 0007, issue 8); declaration merging adds the columns to the tables above.
export const CONSOLE_ROLES = ['admin'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

export interface AccountTable {
  /** `admin`: may use the admin console after a DingTalk sign-in. Local: the sync never writes it. */
  console_role: ColumnType<ConsoleRole | null, ConsoleRole | null | undefined, ConsoleRole | null>;
}

export interface AdminTokenTable {
  /** The account a console sign-in minted the token for; null for a token made by hand (the local one). */
  account_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Set exactly on minted tokens (a check holds it): refused from this moment. */
  expires_at: NullableTimestamp;
}

// Declaration merging adds the column to `BindingTable` without touching its declaration above.
export interface BindingTable {
  /** When this server last answered DingTalk's `check_url` for the binding (migration 2026-11-25T0006); null before. */
  callback_checked_at: NullableTimestamp;
}
