/**
 * The public contract of applications (OIDC clients): what `/api/v1/apps` and `dingbridge apps` send and receive.
 * The client secret comes out once, in the answer to `add`; a view only says whether one exists.
 */
import { z } from 'zod';

/** An absolute http(s) URL without a fragment (RFC 6749 §3.1.2: redirect URIs must not carry one). */
const redirectUriSchema = z
  .url({ protocol: /^https?$/ })
  .refine((value) => !value.includes('#'), 'a redirect URI must not contain a fragment (#)');

export const appCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** Exact values: the provider compares redirect URIs byte for byte, never by prefix. */
    redirectUris: z.array(redirectUriSchema).min(1).max(20),
    /** Public clients (single-page and native apps) have no secret and must use PKCE. */
    public: z.boolean().default(false),
    postLogoutRedirectUris: z.array(redirectUriSchema).max(20).optional(),
    /** Where workbench SSO sends the person to start the application's own login (OIDC `initiate_login_uri`). */
    initiateLoginUri: z.url({ protocol: /^https$|^http$/ }).optional(),
  })
  .strict();
export type AppCreateInput = z.input<typeof appCreateSchema>;

export const appUpdateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    redirectUris: z.array(redirectUriSchema).min(1).max(20),
    postLogoutRedirectUris: z.array(redirectUriSchema).max(20),
    initiateLoginUri: z.url({ protocol: /^https?$/ }).nullable(),
  })
  .partial()
  .strict();
export type AppUpdateInput = z.input<typeof appUpdateSchema>;

export const appViewSchema = z.object({
  id: z.string(),
  /** The OAuth `client_id` (the same as `id`). */
  clientId: z.string(),
  name: z.string(),
  public: z.boolean(),
  clientSecretSet: z.boolean(),
  redirectUris: z.array(z.string()),
  postLogoutRedirectUris: z.array(z.string()),
  initiateLoginUri: z.string().nullable(),
  /** The homepage to set in DingTalk's console for workbench SSO into this application. */
  workbenchUrl: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type AppView = z.infer<typeof appViewSchema>;

/** The answer to `add`: the view and, for a confidential client, its secret, shown this once. */
export const appCreatedSchema = appViewSchema.extend({ clientSecret: z.string().nullable() });
export type AppCreated = z.infer<typeof appCreatedSchema>;

export const appRemovalSchema = z.object({ id: z.string(), removed: z.literal(true) });
export type AppRemoval = z.infer<typeof appRemovalSchema>;

/** Applications as the REST API and the CLI use them. Errors: `app.not_found` (404), `app.invalid` (400). */
export interface AppsService {
  add(input: AppCreateInput): Promise<AppCreated>;
  list(): Promise<AppView[]>;
  show(id: string): Promise<AppView>;
  update(id: string, patch: AppUpdateInput): Promise<AppView>;
  remove(id: string): Promise<AppRemoval>;
}
