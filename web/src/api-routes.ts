/**
 * Every admin API route the console calls, as a table. Pure data (no DOM) so that `test/console/` can check each
 * entry against the server's `/openapi.json`: a renamed or removed route fails a test, not a user.
 */
export const API_ROUTES = {
  listBindings: { method: 'GET', path: '/api/v1/bindings' },
  createBinding: { method: 'POST', path: '/api/v1/bindings' },
  showBinding: { method: 'GET', path: '/api/v1/bindings/:id' },
  checkBinding: { method: 'POST', path: '/api/v1/bindings/:id/check' },
  syncBinding: { method: 'POST', path: '/api/v1/bindings/:id/sync' },
  listRuns: { method: 'GET', path: '/api/v1/runs' },
  showRun: { method: 'GET', path: '/api/v1/runs/:id' },
  runOps: { method: 'GET', path: '/api/v1/runs/:id/ops' },
  approveRun: { method: 'POST', path: '/api/v1/runs/:id/approve' },
  rejectRun: { method: 'POST', path: '/api/v1/runs/:id/reject' },
  listUnits: { method: 'GET', path: '/api/v1/units' },
  listAccounts: { method: 'GET', path: '/api/v1/accounts' },
  consoleSignInOptions: { method: 'GET', path: '/api/v1/console/sign-in-options' },
  createConsoleSession: { method: 'POST', path: '/api/v1/console/session' },
  showConsoleSession: { method: 'GET', path: '/api/v1/console/session' },
  endConsoleSession: { method: 'DELETE', path: '/api/v1/console/session' },
  overview: { method: 'GET', path: '/api/v1/overview' },
  bindingHealth: { method: 'GET', path: '/api/v1/bindings/:id/health' },
  activity: { method: 'GET', path: '/api/v1/stats/activity' },
  listApps: { method: 'GET', path: '/api/v1/apps' },
  addApp: { method: 'POST', path: '/api/v1/apps' },
  showApp: { method: 'GET', path: '/api/v1/apps/:id' },
  updateApp: { method: 'PATCH', path: '/api/v1/apps/:id' },
  removeApp: { method: 'DELETE', path: '/api/v1/apps/:id' },
  updateBinding: { method: 'PATCH', path: '/api/v1/bindings/:id' },
  testBinding: { method: 'POST', path: '/api/v1/bindings/test' },
  previewMapping: { method: 'POST', path: '/api/v1/bindings/:id/preview-mapping' },
  showAccount: { method: 'GET', path: '/api/v1/accounts/:id' },
  addAccount: { method: 'POST', path: '/api/v1/accounts' },
  updateAccount: { method: 'PATCH', path: '/api/v1/accounts/:id' },
  disableAccount: { method: 'POST', path: '/api/v1/accounts/:id/disable' },
  enableAccount: { method: 'POST', path: '/api/v1/accounts/:id/enable' },
  removeAccount: { method: 'DELETE', path: '/api/v1/accounts/:id' },
  accountEditable: { method: 'GET', path: '/api/v1/accounts/:id/editable' },
  accountHistory: { method: 'GET', path: '/api/v1/accounts/:id/history' },
  addUnit: { method: 'POST', path: '/api/v1/units' },
  updateUnit: { method: 'PATCH', path: '/api/v1/units/:id' },
  moveUnit: { method: 'POST', path: '/api/v1/units/:id/move' },
  removeUnit: { method: 'DELETE', path: '/api/v1/units/:id' },
  unitEditable: { method: 'GET', path: '/api/v1/units/:id/editable' },
  outboundLog: { method: 'GET', path: '/api/v1/bindings/:id/outbound/log' },
  outboundRetry: { method: 'POST', path: '/api/v1/bindings/:id/outbound/retry' },
  outboundExecuteAddition: { method: 'POST', path: '/api/v1/bindings/:id/outbound/execute-addition' },
} as const;

export type ApiRouteName = keyof typeof API_ROUTES;

/**
 * The OpenAPI form of a route path (`/api/v1/runs/:id` → `/api/v1/runs/{id}`).
 *
 * @example
 * openApiPath('/api/v1/runs/:id/ops'); // '/api/v1/runs/{id}/ops'
 */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}
