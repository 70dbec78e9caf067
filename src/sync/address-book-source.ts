import type { DingTalkClient } from '../dingtalk/index.ts';
import type { AddressBookSource } from './address-book-crawl.ts';

/**
 * The crawl's view of a DingTalk client: `listsub` for the walk and `v2/user/list` pages for the people.
 *
 * @example
 * const snapshot = await crawlAddressBook(addressBookSourceOf(client), { roots: [1] });
 */
export function addressBookSourceOf(client: DingTalkClient): AddressBookSource {
  return {
    listSubDepartments: (deptId, signal) => client.departments.listSub(deptId, { signal }),
    listUsersPage: ({ deptId, cursor, size }, signal) => client.users.listPage({ deptId, cursor, size }, { signal }),
  };
}
