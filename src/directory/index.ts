export { createDirectory, type Directory, type UnitCreateInput } from './create-directory.ts';
export {
  createDirectoryManagement,
  type ChangeRecorder,
  type DirectoryChange,
  type DirectoryManagement,
  type DirectoryManagementDeps,
} from './directory-management.ts';
export type { OutboundScopeBinding, OutboundSettingsSource } from './directory-ownership.ts';
export * from './directory-contract.ts';
