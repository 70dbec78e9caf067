/**
 * Areas the in-memory DingbridgeApi doubles (`test/cli`, `test/http`) do not model: every call refuses with a 501
 * `test.unsupported`. Units, accounts and applications are tested against the real services (test/directory,
 * test/auth, and the CLI through a real server).
 */
import type { AppsService } from '../../src/auth/apps-contract.ts';
import { AppError } from '../../src/core/index.ts';
import type { AccountsService, UnitsService } from '../../src/directory/directory-contract.ts';

function unsupported(area: string): AppError {
  return new AppError('test.unsupported', `The in-memory API does not manage ${area}.`, { status: 501 });
}

export const unsupportedUnits: UnitsService = {
  list: () => Promise.reject(unsupported('units')),
  show: () => Promise.reject(unsupported('units')),
  add: () => Promise.reject(unsupported('units')),
  update: () => Promise.reject(unsupported('units')),
  move: () => Promise.reject(unsupported('units')),
  remove: () => Promise.reject(unsupported('units')),
  editable: () => Promise.reject(unsupported('units')),
};

export const unsupportedApps: AppsService = {
  add: () => Promise.reject(unsupported('applications')),
  list: () => Promise.reject(unsupported('applications')),
  show: () => Promise.reject(unsupported('applications')),
  update: () => Promise.reject(unsupported('applications')),
  remove: () => Promise.reject(unsupported('applications')),
};

export const unsupportedAccounts: AccountsService = {
  list: () => Promise.reject(unsupported('accounts')),
  show: () => Promise.reject(unsupported('accounts')),
  add: () => Promise.reject(unsupported('accounts')),
  update: () => Promise.reject(unsupported('accounts')),
  disable: () => Promise.reject(unsupported('accounts')),
  enable: () => Promise.reject(unsupported('accounts')),
  remove: () => Promise.reject(unsupported('accounts')),
  editable: () => Promise.reject(unsupported('accounts')),
  history: () => Promise.reject(unsupported('accounts')),
};
