/** `/api/v1/accounts`: accounts managed by hand (issue 7). */
import { z } from 'zod';
import type { DingbridgeApi } from '../app-api.ts';
import {
  accountCreateSchema,
  accountEditabilitySchema,
  accountHistoryPageSchema,
  accountHistoryQuerySchema,
  accountListQuerySchema,
  accountPageSchema,
  accountUpdateSchema,
  accountViewSchema,
  removalSchema,
} from '../directory/directory-contract.ts';
import { defineRoute, type AnyRoute } from './route-contract.ts';

const idParams = z.object({ id: z.uuid() });
const PUSHED = 'Inside a binding with outbound provisioning on, the change is pushed to DingTalk.';

/**
 * The accounts routes over `api` (passed to the server as `adminRoutes`).
 *
 * @example
 * createHttpServer({ …, adminRoutes: [...unitRoutes(api), ...accountRoutes(api)] });
 */
export function accountRoutes(api: DingbridgeApi): AnyRoute[] {
  const tag = 'accounts';
  const state = (action: 'disable' | 'enable', summary: string) =>
    defineRoute({
      method: 'POST',
      path: `/api/v1/accounts/:id/${action}`,
      operationId: `${action}Account`,
      summary,
      description: PUSHED,
      tag,
      params: idParams,
      status: 200,
      response: accountViewSchema,
      errors: [404],
      handler: ({ params }) => api.accounts[action](params.id),
    });
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/accounts',
      operationId: 'listAccounts',
      summary: 'Search accounts (by username, name, email, mobile or job number; by unit), a page at a time',
      tag,
      query: accountListQuerySchema,
      status: 200,
      response: accountPageSchema,
      handler: ({ query }) => api.accounts.list(query),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/accounts',
      operationId: 'addAccount',
      summary: 'Add an account in one or more units',
      description: `Usernames are unique ignoring case (409 account.username_taken). ${PUSHED}`,
      tag,
      body: accountCreateSchema,
      status: 201,
      response: accountViewSchema,
      errors: [404, 409],
      handler: ({ body }) => api.accounts.add(body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/accounts/:id',
      operationId: 'showAccount',
      summary: 'Show an account',
      tag,
      params: idParams,
      status: 200,
      response: accountViewSchema,
      errors: [404],
      handler: ({ params }) => api.accounts.show(params.id),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/accounts/:id',
      operationId: 'updateAccount',
      summary: 'Change an account; unitIds replaces its memberships',
      description: `Fields DingTalk owns are refused (409 account.field_owned_by_dingtalk) unless the binding pushes them. ${PUSHED}`,
      tag,
      params: idParams,
      body: accountUpdateSchema,
      status: 200,
      response: accountViewSchema,
      errors: [404, 409],
      handler: ({ params, body }) => api.accounts.update(params.id, body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/accounts/:id/editable',
      operationId: 'accountEditable',
      summary: 'Which fields of an account may be changed here, and why not',
      description: 'A field is read-only when a binding owns it (synced from DingTalk, mapped as DingTalk-owned) and outbound does not push the change back; the answer names that binding.',
      tag,
      params: idParams,
      status: 200,
      response: accountEditabilitySchema,
      errors: [404],
      handler: ({ params }) => api.accounts.editable(params.id),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/accounts/:id/history',
      operationId: 'accountHistory',
      summary: "An account's history: the sync operations and outbound deliveries that touched it, newest first",
      description: 'Sync operations of dry runs are left out (they changed nothing).',
      tag,
      params: idParams,
      query: accountHistoryQuerySchema,
      status: 200,
      response: accountHistoryPageSchema,
      errors: [404],
      handler: ({ params, query }) => api.accounts.history(params.id, query),
    }),
    state('disable', 'Disable an account (sign-in refused; a sync never re-enables it)'),
    state('enable', 'Enable an account'),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/accounts/:id',
      operationId: 'removeAccount',
      summary: 'Remove an account and its memberships',
      description: PUSHED,
      tag,
      params: idParams,
      status: 200,
      response: removalSchema,
      errors: [404, 409],
      handler: ({ params }) => api.accounts.remove(params.id),
    }),
  ];
}
