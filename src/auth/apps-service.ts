/**
 * Applications (OIDC clients) over the `oidc_apps` table. The client id is random and public; the secret of a
 * confidential client is 32 random bytes, shown once and kept sealed (the provider must compare it, so a one-way
 * hash would not do for `client_secret_basic`).
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import type { SecretBox } from '../config/index.ts';
import { AppError } from '../core/index.ts';
import { json, type Database } from '../db/index.ts';
import {
  appCreateSchema,
  appUpdateSchema,
  type AppCreated,
  type AppsService,
  type AppView,
} from './apps-contract.ts';

export interface AppsDeps {
  db: Kysely<Database>;
  secretBox: SecretBox;
  /** `PUBLIC_URL`, for the workbench homepage each view shows. */
  publicUrl: string;
}

/** What the OIDC provider needs of an application (secret opened). */
export interface AppClient {
  id: string;
  name: string;
  public: boolean;
  clientSecret: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  initiateLoginUri: string | null;
}

export interface Apps extends AppsService {
  /** The application with its secret opened, or undefined (the provider's client lookup). */
  client(id: string): Promise<AppClient | undefined>;
}

type AppRow = Awaited<ReturnType<typeof selectApp>>;

function selectApp(db: Kysely<Database>, id: string) {
  return db.selectFrom('oidc_apps').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * @example
 * const apps = createApps({ db, secretBox, publicUrl: 'https://sso.example.com' });
 * const { clientId, clientSecret } = await apps.add({ name: 'Wiki', redirectUris: ['https://wiki.example.com/cb'] });
 */
export function createApps(deps: AppsDeps): Apps {
  const { db, secretBox } = deps;
  const secretContext = (id: string) => `oidc_app:${id}:client_secret`;

  const view = (row: NonNullable<AppRow>): AppView => ({
    id: row.id,
    clientId: row.id,
    name: row.name,
    public: row.public,
    clientSecretSet: row.client_secret_enc !== null,
    redirectUris: row.redirect_uris,
    postLogoutRedirectUris: row.post_logout_redirect_uris,
    initiateLoginUri: row.initiate_login_uri,
    workbenchUrl: `${deps.publicUrl}/sso/workbench/${encodeURIComponent(row.id)}`,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  });

  const find = async (id: string) => {
    const row = await selectApp(db, id);
    if (!row) {
      throw new AppError('app.not_found', `No application with id ${JSON.stringify(id)}. List them with \`dingbridge apps list\`.`, {
        status: 404,
        details: { id },
      });
    }
    return row;
  };

  return {
    async add(input) {
      const parsed = parse(appCreateSchema, input);
      const id = randomBytes(12).toString('base64url');
      const secret = parsed.public ? null : randomBytes(32).toString('base64url');
      await db
        .insertInto('oidc_apps')
        .values({
          id,
          name: parsed.name,
          public: parsed.public,
          client_secret_enc: secret === null ? null : secretBox.seal(secret, secretContext(id)),
          redirect_uris: json(parsed.redirectUris),
          post_logout_redirect_uris: json(parsed.postLogoutRedirectUris ?? []),
          initiate_login_uri: parsed.initiateLoginUri ?? null,
        })
        .execute();
      const created: AppCreated = { ...view(await find(id)), clientSecret: secret };
      return created;
    },
    async list() {
      const rows = await db.selectFrom('oidc_apps').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(view);
    },
    async show(id) {
      return view(await find(id));
    },
    async update(id, patch) {
      const parsed = parse(appUpdateSchema, patch);
      await find(id);
      await db
        .updateTable('oidc_apps')
        .set({
          ...(parsed.name === undefined ? {} : { name: parsed.name }),
          ...(parsed.redirectUris === undefined ? {} : { redirect_uris: json(parsed.redirectUris) }),
          ...(parsed.postLogoutRedirectUris === undefined ? {} : { post_logout_redirect_uris: json(parsed.postLogoutRedirectUris) }),
          ...(parsed.initiateLoginUri === undefined ? {} : { initiate_login_uri: parsed.initiateLoginUri }),
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .execute();
      return view(await find(id));
    },
    async remove(id) {
      await find(id);
      await db.transaction().execute(async (trx) => {
        // Tokens and grants the application holds go with it: the provider must not honour them any more.
        await trx.deleteFrom('oidc_models').where(sql<string>`payload->>'clientId'`, '=', id).execute();
        await trx.deleteFrom('oidc_apps').where('id', '=', id).execute();
      });
      return { id, removed: true as const };
    },
    async client(id) {
      const row = await selectApp(db, id);
      if (!row) return undefined;
      return {
        id: row.id,
        name: row.name,
        public: row.public,
        clientSecret: row.client_secret_enc === null ? null : secretBox.open(row.client_secret_enc, secretContext(row.id)),
        redirectUris: row.redirect_uris,
        postLogoutRedirectUris: row.post_logout_redirect_uris,
        initiateLoginUri: row.initiate_login_uri,
      };
    },
  };
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
  const list = issues.map((issue) => `${issue.field || '(body)'}: ${issue.message}`).join('; ');
  throw new AppError('app.invalid', `The application is invalid: ${list}.`, { status: 400, details: { issues } });
}
