export { createDirectory, type Directory, type UnitCreateInput } from './create-directory.ts';
export * from './directory-contract.ts';
