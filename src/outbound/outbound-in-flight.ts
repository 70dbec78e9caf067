/**
 * The DingTalk users an outbound delivery is writing right now, for the inbound sync to leave alone.
 *
 * DingTalk sends events for our own writes (`user_add_org` for a create, `user_leave_org` for a delete), and a full
 * sync may crawl in between too. A delivery's DingTalk write lands before its commit (`finish`: link or unlink, and
 * the outbox row's removal, in one transaction), and a crash in between leaves the row for the retry. Inbound work
 * that saw the write but not the commit would create a second account for a user we created (its userid unlinked)
 * or take a user we deleted for a leaver (its memberships removed). As long as an account has an outbox row, its
 * link is the delivery's to make or undo; once the row is gone the link is committed. So whoever reads this set
 * before reading the links never sees the gap.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { dingTalkUserId } from './outbound-delivery.ts';

/** `db` + the account id without dashes (`dingTalkUserId`), back to the account id. */
const DETERMINISTIC = /^db([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i;

/**
 * The userids among `userids` (every one when left out) that an outbox row of the binding stands for: the account's
 * link, the userid the row remembers (a removal), and the account's deterministic userid (a create not committed).
 * Pending, leased and failed rows all count: each still has a DingTalk write to finish.
 *
 * @example
 * const delivering = await usersInDelivery(db, bindingId, ['db5f0c…', 'manager01']);
 * delivering.has('db5f0c…'); // true while account 5f0c…'s row waits
 */
export async function usersInDelivery(db: Kysely<Database>, bindingId: string, userids?: readonly string[]): Promise<Set<string>> {
  if (userids !== undefined && userids.length === 0) return new Set();
  let query = db
    .selectFrom('outbound_outbox as o')
    .leftJoin('external_identities as ei', (join) =>
      join.onRef('ei.binding_id', '=', 'o.binding_id').on('ei.kind', '=', 'dingtalk_user').onRef('ei.local_id', '=', 'o.object_id'),
    )
    .select(['o.object_id', 'o.external_id', 'ei.external_id as linked'])
    .where('o.binding_id', '=', bindingId)
    .where('o.object_kind', '=', 'account');
  if (userids !== undefined) {
    const accountIds = userids.flatMap((userid) => {
      const parts = DETERMINISTIC.exec(userid);
      return parts ? [parts.slice(1).join('-').toLowerCase()] : [];
    });
    query = query.where((eb) =>
      eb.or([
        eb('ei.external_id', 'in', userids),
        eb('o.external_id', 'in', userids),
        ...(accountIds.length > 0 ? [eb('o.object_id', 'in', accountIds)] : []),
      ]),
    );
  }
  const delivering = new Set<string>();
  for (const row of await query.execute()) {
    for (const userid of [row.linked, row.external_id, dingTalkUserId(row.object_id)]) if (userid) delivering.add(userid);
  }
  if (userids === undefined) return delivering;
  return new Set(userids.filter((userid) => delivering.has(userid)));
}
