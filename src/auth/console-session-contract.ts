/**
 * The admin console's sign-in with DingTalk (issue 8), as `/api/v1/console/…` sends and receives it: which
 * organizations offer it (asked before anyone is signed in, so names only), the exchange of the browser's Dingbridge
 * session for a short-lived admin token, who holds the token now, and signing out.
 */
import { z } from 'zod';

/**
 * Where DingTalk sign-in returns to in the console (its home page, marked by the query, so the server's list of
 * console routes needs no new entry); the console then exchanges the browser session for a token.
 */
export const CONSOLE_DINGTALK_RETURN = '/?sign-in=dingtalk';

/** A console token lives an hour at most (and never past the browser session it came from); the console renews it. */
export const CONSOLE_TOKEN_TTL_MS = 60 * 60 * 1000;

export const consoleSignInOptionsSchema = z.object({
  /** Bindings offering DingTalk QR sign-in, each with the address that starts it and returns to the console. */
  dingtalk: z.array(z.object({ bindingId: z.uuid(), name: z.string(), url: z.string() })),
});
export type ConsoleSignInOptions = z.infer<typeof consoleSignInOptionsSchema>;

const consoleAccountSchema = z.object({ id: z.uuid(), username: z.string(), displayName: z.string() });

/** Who an admin token speaks for: a token made by hand (`token`, the local one), or a DingTalk sign-in. */
export const consoleSessionViewSchema = z.object({
  kind: z.enum(['token', 'dingtalk']),
  /** The token's name (`local`, `console: li.lei`). */
  tokenName: z.string(),
  /** The console administrator of a DingTalk sign-in; null for a token made by hand. */
  account: consoleAccountSchema.nullable(),
  /** When the token stops working; null for a token made by hand. */
  expiresAt: z.iso.datetime().nullable(),
});
export type ConsoleSessionView = z.infer<typeof consoleSessionViewSchema>;

/** The answer to the exchange: the bearer token (shown this once) and whom it speaks for. */
export const consoleSessionCreatedSchema = consoleSessionViewSchema.extend({ token: z.string() });
export type ConsoleSessionCreated = z.infer<typeof consoleSessionCreatedSchema>;

export const consoleSignOutSchema = z.object({
  /** The token was minted by a DingTalk sign-in and is now revoked (a token made by hand is left alone). */
  revoked: z.boolean(),
  /** The browser's Dingbridge session of the same account ended too. */
  browserSessionEnded: z.boolean(),
});
export type ConsoleSignOut = z.infer<typeof consoleSignOutSchema>;
