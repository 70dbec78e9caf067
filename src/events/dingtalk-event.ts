/**
 * Reading DingTalk's event payloads (§8) into inbox events, and inbox payloads into the ids to re-read. Keys are
 * read ignoring case: the current format (`eventId`, `userId`, `deptId`, `timeStamp`) and the legacy one
 * (`UserId`, `DeptId`, `TimeStamp`) are both documented (§8.2, UNCONFIRMED which production sends).
 */
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import type { JsonValue } from '../db/index.ts';
import type { InboxEvent, InboxEventSource } from './inbox-event.ts';

/** The plaintext of an HTTP push, loosely: only `EventType` is required. */
const pushedEventSchema = z.record(z.string(), z.json());

function pick(object: Record<string, unknown>, ...names: string[]): unknown {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  for (const [key, value] of Object.entries(object)) if (wanted.has(key.toLowerCase())) return value;
  return undefined;
}

function epochMs(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
  if (!Number.isFinite(n) || n <= 0) return null;
  return n < 1e11 ? n * 1000 : n; // §7.2: seconds in some docs, milliseconds in others
}

/**
 * Parses a decrypted HTTP push (§7.2, §8.2). `check_url` comes back as `{ checkUrl: true }`.
 *
 * @example
 * parsePushedEvent('{"EventType":"user_add_org","eventId":"e1","CorpId":"ding1","userId":["u1"]}', 'ding1');
 */
export function parsePushedEvent(plaintext: string, corpId: string, source: InboxEventSource = 'http'): { checkUrl: true } | { checkUrl: false; event: InboxEvent } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    throw badEvent('The decrypted callback is not JSON');
  }
  const result = pushedEventSchema.safeParse(parsed);
  if (!result.success) throw badEvent('The decrypted callback is not a JSON object');
  const body = result.data;
  const eventType = pick(body, 'EventType');
  if (typeof eventType !== 'string' || eventType === '') throw badEvent('The decrypted callback has no EventType');
  if (eventType === 'check_url') return { checkUrl: true };
  const eventId = pick(body, 'eventId');
  const eventCorp = pick(body, 'CorpId');
  return {
    checkUrl: false,
    event: {
      eventId: typeof eventId === 'string' ? eventId : '',
      eventType,
      corpId: typeof eventCorp === 'string' && eventCorp !== '' ? eventCorp : corpId,
      bornAt: epochMs(pick(body, 'EventTime')) ?? epochMs(pick(body, 'TimeStamp')),
      payload: body,
      source,
    },
  };
}

/**
 * One item of the failed-event list (§7.5): `{call_back_tag, event_time, <tag>: {userid | deptid: [...], corpid}}`.
 * It has no event id: the inbox derives one from the content.
 *
 * @example
 * failedListEvent({ call_back_tag: 'user_add_org', event_time: 1, user_add_org: { userid: ['u1'], corpid: 'ding1' } }, 'ding1');
 */
export function failedListEvent(item: Record<string, unknown>, corpId: string): InboxEvent {
  const tag = typeof item['call_back_tag'] === 'string' ? item['call_back_tag'] : 'unknown';
  const inner = item[tag];
  const payload: Record<string, JsonValue> =
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? { ...(inner as Record<string, JsonValue>) } : {};
  const eventCorp = pick(payload, 'corpid');
  return {
    eventId: '',
    eventType: tag,
    corpId: typeof eventCorp === 'string' && eventCorp !== '' ? eventCorp : corpId,
    bornAt: epochMs(item['event_time']),
    payload: { EventType: tag, EventTime: typeof item['event_time'] === 'number' ? item['event_time'] : null, ...payload },
    source: 'failed_list',
  };
}

/**
 * The people and departments an inbox payload names: `userId`/`UserId`/`userid`, `userIdList`, `diffInfo.userid`;
 * `deptId`/`DeptId`/`deptid`. A Stream payload (`data` object) is read the same way.
 *
 * @example
 * touchedIds({ EventType: 'user_add_org', userId: ['u1'] }); // { userids: ['u1'], deptIds: [] }
 */
export function touchedIds(payload: JsonValue): { userids: string[]; deptIds: number[] } {
  const userids = new Set<string>();
  const deptIds = new Set<number>();
  const visit = (value: JsonValue, depth: number): void => {
    if (depth > 3 || value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [key, inner] of Object.entries(value)) {
      const name = key.toLowerCase();
      if (name === 'userid' || name === 'useridlist') for (const id of asList(inner)) if (typeof id === 'string' && id !== '') userids.add(id);
      if (name === 'deptid' || name === 'deptidlist') {
        for (const id of asList(inner)) {
          const n = typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : NaN;
          if (Number.isSafeInteger(n) && n > 0) deptIds.add(n);
        }
      }
      if (name === 'diffinfo' || name === 'data') visit(inner, depth + 1);
    }
  };
  visit(payload, 0);
  return { userids: [...userids], deptIds: [...deptIds] };
}

function asList(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function badEvent(message: string): AppError {
  return new AppError('events.bad_payload', `${message}; the push was refused and nothing was stored.`, { status: 400 });
}
