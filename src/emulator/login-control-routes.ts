/**
 * Control routes for login (§10), so that tests script a login without a browser:
 *
 * - `POST /_emulator/oauth/code {clientId, userid | stranger, scope?}` → a QR-login code, as if the person had
 *   picked themselves on the login page (`stranger: true` is the first stranger; a unionid picks one);
 * - `GET /_emulator/oauth/strangers` → the people who are not members of the organization;
 * - `POST /_emulator/workbench/code {clientId?, userid}` → a 免登 code (§10.3);
 * - `GET|PUT /_emulator/apps/:appKey/login {redirectUris}` → the redirect URLs the app allows (§10.1 step 1;
 *   `null` restores the default: any loopback URL).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import type { EmulatorApp } from './app-registry.ts';
import { appOf, parseBody } from './control-routes.ts';
import type { EmulatorContext } from './emulator-context.ts';
import { memberForLogin, type LoginPerson } from './login-person.ts';
import { CODE_LIFETIME_MS } from './login-state.ts';
import { MAX_REDIRECT_URI_LENGTH, parseRedirectUri } from './oauth-redirect.ts';

const clientId = z.string().min(1).max(128);
const userid = z.string().min(1).max(64);

const schemas = {
  oauthCode: z
    .object({
      clientId,
      userid: userid.optional(),
      stranger: z.union([z.literal(true), z.string().min(1).max(64)]).optional(),
      scope: z.enum(['openid', 'openid corpid']).default('openid corpid'),
    })
    .strict()
    .refine((input) => (input.userid === undefined) !== (input.stranger === undefined), 'give either userid or stranger'),
  workbenchCode: z.object({ clientId: clientId.optional(), userid }).strict(),
  redirectUris: z
    .object({
      redirectUris: z
        .array(
          z
            .string()
            .max(MAX_REDIRECT_URI_LENGTH)
            .refine((uri) => parseRedirectUri(uri).ok, 'an absolute http(s) URL without credentials or fragment'),
        )
        .max(100)
        .nullable(),
    })
    .strict(),
};

const EXPIRES_IN = CODE_LIFETIME_MS / 1000;

export function registerLoginControlRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.post('/_emulator/oauth/code', (request) => {
    const input = parseBody(request, schemas.oauthCode);
    const target = knownApp(context, input.clientId);
    const person = input.userid === undefined ? strangerOf(context, input.stranger) : member(context, input.userid);
    const grant = { clientId: target.appKey, person, corpScope: input.scope === 'openid corpid' };
    const authCode = context.login.authCodes.issue(grant, context.clock.now());
    return { authCode, expiresIn: EXPIRES_IN, unionid: person.unionid, ...(person.userid === undefined ? {} : { userid: person.userid }) };
  });

  app.get('/_emulator/oauth/strangers', () => ({ strangers: context.login.strangers.map(strangerJson) }));

  app.post('/_emulator/workbench/code', (request) => {
    const input = parseBody(request, schemas.workbenchCode);
    const target = input.clientId === undefined ? undefined : knownApp(context, input.clientId);
    const person = member(context, input.userid);
    const grant = { clientId: target?.appKey, userid: input.userid, deviceId: randomBytes(16).toString('hex') };
    const authCode = context.login.workbenchCodes.issue(grant, context.clock.now());
    return { authCode, expiresIn: EXPIRES_IN, userid: input.userid, unionid: person.unionid };
  });

  app.get('/_emulator/apps/:appKey/login', (request) => loginJson(context, appOf(context, request)));
  app.put('/_emulator/apps/:appKey/login', (request) => {
    const target = appOf(context, request);
    const input = parseBody(request, schemas.redirectUris);
    context.login.setRedirectUris(target.appKey, input.redirectUris);
    return loginJson(context, target);
  });
}

function knownApp(context: EmulatorContext, appKey: string): EmulatorApp {
  const found = context.apps.get(appKey);
  if (!found) throw new AppError('emulator.app_not_found', `No app with clientId ${appKey}; list them with GET /_emulator/state.`, { status: 404 });
  return found;
}

function member(context: EmulatorContext, id: string): LoginPerson {
  const found = memberForLogin(context.org, id, context.corpId);
  if ('refusal' in found) {
    throw new AppError(found.missing ? 'emulator.user_not_found' : 'emulator.user_inactive', found.refusal, { status: found.missing ? 404 : 409 });
  }
  return found.person;
}

function strangerOf(context: EmulatorContext, choice: true | string | undefined): LoginPerson {
  const found = choice === true ? context.login.strangers[0] : context.login.stranger(String(choice));
  if (!found) throw new AppError('emulator.stranger_not_found', `No stranger with unionid ${String(choice)}; see GET /_emulator/oauth/strangers.`, { status: 404 });
  return found;
}

function strangerJson(person: LoginPerson): Record<string, unknown> {
  return { unionid: person.unionid, nick: person.nick, corpId: person.corpId, mobile: person.mobile, ...(person.email ? { email: person.email } : {}) };
}

function loginJson(context: EmulatorContext, target: EmulatorApp): Record<string, unknown> {
  const uris = context.login.redirectUrisOf(target.appKey);
  return { appKey: target.appKey, redirectUris: uris === undefined ? null : [...uris] };
}
