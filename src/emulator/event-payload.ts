/**
 * One address-book event as the emulator emits it (§8.1), and the shapes it takes on each wire: the decrypted
 * HTTP-push body (§8.2), the Stream frame's headers and `data` (§8.3, §9.2), and an entry of the failed-events
 * list (§7.5). Internal apps get ids only (§8.2), so an event carries ids, never a snapshot.
 *
 * Where the reference is UNCONFIRMED the choice is written here once:
 * - HTTP body, `current` format (default): `{EventType, EventTime, CorpId, BizId, eventId, timeStamp, userId|deptId,
 *   diffInfo?}` as the per-event doc pages show it; `legacy` format: `{EventType, TimeStamp, UserId|DeptId, CorpId}`
 *   as the HTTP-callback overview shows it (§8.2, §13.2). Receivers must accept both, so a test can pick either.
 * - `timeStamp` is the birth time in milliseconds as a string; `EventTime` the same number (§8.2 examples).
 * - Failed-list entries name department ids `deptid`, like `userid` in the one documented example (§7.5).
 *
 * @example
 * const event = newAddressBookEvent({ kind: 'user_add_org', ids: ['0123'] }, corpId, clock.now());
 * JSON.stringify(httpPlaintext(event, 'current'));
 */
import { randomUUID } from 'node:crypto';
import type { OrgChange, UserDiff } from './org-types.ts';

export const ADDRESS_BOOK_EVENTS = [
  'user_add_org',
  'user_modify_org',
  'user_leave_org',
  'user_active_org',
  'org_dept_create',
  'org_dept_modify',
  'org_dept_remove',
] as const;

export type AddressBookEventType = (typeof ADDRESS_BOOK_EVENTS)[number];

/** §7.1 `call_back_tag` values a subscription may name: the address-book events and the other internal-app ones of §8.1. */
export const CALLBACK_TAGS: readonly string[] = [
  ...ADDRESS_BOOK_EVENTS,
  'org_admin_add',
  'org_admin_remove',
  'org_change',
  'org_remove',
  'label_user_change',
  'label_conf_add',
  'label_conf_modify',
  'label_conf_del',
];

export type EventFormat = 'current' | 'legacy';

export interface AddressBookEvent {
  /** 32 lowercase hex digits, one per event (the same for every app that receives it; §8.2 de-duplication). */
  eventId: string;
  bizId: string;
  type: AddressBookEventType;
  corpId: string;
  /** Birth time in milliseconds (`EventTime`, `eventBornTime`, `timeStamp`). */
  bornAt: number;
  userIds: string[] | undefined;
  deptIds: number[] | undefined;
  /** `user_modify_org` only (§8.2). */
  diffInfo: (UserDiff & { userid: string }) | undefined;
}

function hexId(): string {
  return randomUUID().replace(/-/g, '');
}

export function newAddressBookEvent(change: OrgChange, corpId: string, bornAt: number): AddressBookEvent {
  const user = change.kind.startsWith('user_');
  const diff = 'diff' in change && change.diff ? { ...change.diff, userid: String(change.ids[0]) } : undefined;
  return {
    eventId: hexId(),
    bizId: hexId(),
    type: change.kind,
    corpId,
    bornAt,
    userIds: user ? (change.ids as string[]) : undefined,
    deptIds: user ? undefined : (change.ids as number[]),
    diffInfo: diff,
  };
}

/** The decrypted HTTP-push body (§8.2) in the chosen format. */
export function httpPlaintext(event: AddressBookEvent, format: EventFormat): Record<string, unknown> {
  if (format === 'legacy') {
    return {
      EventType: event.type,
      TimeStamp: event.bornAt,
      ...(event.userIds ? { UserId: event.userIds } : { DeptId: event.deptIds }),
      CorpId: event.corpId,
    };
  }
  return {
    EventType: event.type,
    EventTime: event.bornAt,
    CorpId: event.corpId,
    BizId: event.bizId,
    eventId: event.eventId,
    ...streamData(event),
  };
}

/** §8.3/§9.2: the Stream frame's `data` object (sent as a JSON string): `{timeStamp, userId|deptId, diffInfo?}`. */
export function streamData(event: AddressBookEvent): Record<string, unknown> {
  return {
    timeStamp: String(event.bornAt),
    ...(event.userIds ? { userId: event.userIds } : { deptId: event.deptIds }),
    ...(event.diffInfo ? { diffInfo: event.diffInfo } : {}),
  };
}

/** §7.5: `{call_back_tag, event_time, <tag>: {userid|deptid, corpid}}`. */
export function failedListEntry(event: AddressBookEvent): Record<string, unknown> {
  const ids = event.userIds ? { userid: event.userIds } : { deptid: event.deptIds };
  return { [event.type]: { ...ids, corpid: event.corpId }, call_back_tag: event.type, event_time: event.bornAt };
}

/** The event as `GET /_emulator/events` lists it. */
export function eventJson(event: AddressBookEvent): Record<string, unknown> {
  return {
    eventId: event.eventId,
    eventType: event.type,
    corpId: event.corpId,
    bornAt: event.bornAt,
    ...(event.userIds ? { userIds: event.userIds } : { deptIds: event.deptIds }),
    ...(event.diffInfo ? { diffInfo: event.diffInfo } : {}),
  };
}
