/**
 * The whole login surface of the emulator (§10), registered in one call: the QR login page (`/oauth2/auth`), the
 * user-token exchange and `contact/users/{unionId}` (api family), and the control routes that script logins. The
 * 免登 methods (`topapi/v2/user/getuserinfo`, `user/getuserinfo`) run through the oapi pipeline instead: see
 * {@link loginOapiMethods}.
 *
 * @example
 * registerOapiRoutes(app, context, loginOapiMethods(context.login, context.clock));
 * registerLoginRoutes(app, context);
 */
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulator-context.ts';
import { registerLoginControlRoutes } from './login-control-routes.ts';
import { registerOAuthApiRoutes } from './oauth-api-routes.ts';
import { registerAuthorizeRoutes } from './oauth-authorize-routes.ts';

export { loginOapiMethods } from './login-oapi-methods.ts';
export { LoginState } from './login-state.ts';

export function registerLoginRoutes(app: FastifyInstance, context: EmulatorContext): void {
  registerAuthorizeRoutes(app, context);
  registerOAuthApiRoutes(app, context);
  registerLoginControlRoutes(app, context);
}
