/**
 * The public contract of the directory: `dingbridge directory export --json` and `GET /api/v1/directory`.
 */
import { z } from 'zod';

export const exportedUnitSchema = z.object({
  id: z.uuid(),
  parentId: z.uuid().nullable(),
  name: z.string(),
  /** The DingTalk department the unit is linked to; null for a local unit (a binding's target unit, say). */
  external: z.object({ corpId: z.string(), deptId: z.number() }).nullable(),
});
export const exportedAccountSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  mobile: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']),
  /** Units the account is a member of, main membership first, then by the membership's order. */
  unitIds: z.array(z.uuid()),
  /** The account's DingTalk link; null for a local account. (An account linked to two bindings shows the first.) */
  external: z.object({ corpId: z.string(), userid: z.string(), unionid: z.string().nullable() }).nullable(),
});
export const directoryExportSchema = z.object({
  units: z.array(exportedUnitSchema),
  accounts: z.array(exportedAccountSchema),
});
export type DirectoryExport = z.infer<typeof directoryExportSchema>;

export interface DirectoryService {
  export(): Promise<DirectoryExport>;
}
