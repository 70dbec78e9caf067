/**
 * Local → DingTalk field mapping, the counterpart of the inbound mapping (`src/sync/field-mapping.ts`): the fields
 * a unit or an account pushes, a stable hash of them, and the difference against what was last pushed.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '../db/index.ts';

/**
 * What a unit pushes (`topapi/v2/department/create|update`, §5.1/§5.2). No `order`: the inbound sync reads a unit's
 * order as its position among siblings (listsub has no order), so a pushed order would come back changed and echo.
 */
export interface DepartmentFields extends JsonObject {
  name: string;
  parent_id: number;
}

/** What an account pushes (`topapi/v2/user/create|update`, §5.4/§5.5); `mobile` is sent on create only. */
export interface UserFields extends JsonObject {
  name: string;
  mobile: string | null;
  email: string | null;
  job_number: string | null;
  title: string | null;
  /** The main department first (the inbound sync reads the first as main). */
  dept_id_list: number[];
}

/**
 * A local mobile as DingTalk takes it (§5.4): `+86 13800000000` (the inbound mapping's form) and plain numbers
 * stay plain for mainland China; other country codes become `+xx-number`.
 *
 * @example
 * dingTalkMobile('+86 138 0000 0000'); // '13800000000'
 * dingTalkMobile('+1 5550100'); // '+1-5550100'
 */
export function dingTalkMobile(mobile: string | null): string | null {
  if (mobile === null || mobile.trim() === '') return null;
  const match = /^\+(\d{1,4})[\s-]+(.+)$/.exec(mobile.trim());
  const digits = (text: string): string => text.replace(/[^\d]/g, '');
  if (!match) return digits(mobile);
  const [, stateCode = '', number = ''] = match;
  return stateCode === '86' ? digits(number) : `+${stateCode}-${digits(number)}`;
}

/**
 * A hash of pushed fields, independent of key order.
 *
 * @example
 * fieldsHash({ name: 'R&D', parent_id: 1 });
 */
export function fieldsHash(fields: JsonObject): string {
  return createHash('sha256').update(canonical(fields)).digest('hex');
}

function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key] ?? null)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The fields of `next` that differ from `pushed` (all of them when nothing was pushed yet).
 *
 * @example
 * changedFields({ name: 'A', order: 1 }, { name: 'B', order: 1 }); // { name: 'A' }
 */
export function changedFields<T extends JsonObject>(next: T, pushed: JsonObject | null): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of Object.keys(next) as (keyof T & string)[]) {
    if (pushed === null || canonical(next[key] ?? null) !== canonical(pushed[key] ?? null)) changed[key] = next[key];
  }
  return changed;
}
