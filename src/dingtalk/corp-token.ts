/**
 * Does a CorpId belong to this app? The unified token endpoint `POST v1.0/oauth2/{corpId}/token` (§1.3) issues a
 * token only for an organization that installed the app, so asking it answers the question without any permission.
 */
import { z } from 'zod';
import { isDingTalkError } from './dingtalk-errors.ts';
import type { CallOptions, Transport } from './dingtalk-transport.ts';

/** §1.3: snake_case, unlike `v1.0/oauth2/accessToken`. */
const corpTokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

/**
 * `ok`: DingTalk issued a token for the app in that organization. `mismatch`: it refused the app there (401
 * `unauthorized.client`, or 400 `invalid.client`). `unknown`: it answered 500 `unknownError`, which real DingTalk
 * was seen answering for a made-up corpId (§1.3 probe) but which may also be a real outage.
 */
export type CorpVerdict = 'ok' | 'mismatch' | 'unknown';

/**
 * @example
 * const verifyCorp = createCorpVerifier(transport.call, credentials);
 * if ((await verifyCorp('ding123')) !== 'ok') refuse();
 */
export function createCorpVerifier(
  call: Transport['call'],
  credentials: { appKey: string; appSecret: string },
): (corpId: string, options?: CallOptions) => Promise<CorpVerdict> {
  return async (corpId, options = {}) => {
    try {
      await call({
        family: 'api',
        // Encoded: the corpId is a path segment and comes from a person (a `/` or `..` must not change the path).
        api: `v1.0/oauth2/${encodeURIComponent(corpId)}/token`,
        body: { client_id: credentials.appKey, client_secret: credentials.appSecret, grant_type: 'client_credentials' },
        auth: 'none',
        schema: corpTokenSchema,
        // Not retried after a 5xx: a 500 is DingTalk's answer for an unknown corpId (§1.3 probe), so retrying it
        // only delays the verdict. Throttles and refused connections are still retried.
        idempotent: false,
        signal: options.signal,
      });
      return 'ok';
    } catch (error) {
      if (!isDingTalkError(error)) throw error;
      const { httpStatus, errcode } = error.details;
      const code = typeof errcode === 'string' ? errcode.toLowerCase() : undefined;
      if (code === 'unauthorized.client' || code === 'invalid.client' || httpStatus === 401) return 'mismatch';
      if (httpStatus === 500 && code === 'unknownerror') return 'unknown';
      throw error;
    }
  };
}
