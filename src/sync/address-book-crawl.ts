/**
 * The crawl step: walks a DingTalk organization's address book into a snapshot, with the fewest calls DingTalk
 * allows and every API kept busy just under its rate limit.
 *
 * Calls (DESIGN.md "Sync, in numbers"): one `topapi/v2/department/listsub` per department (§3.1; a leaf is only known
 * to be one after asking) and one `topapi/v2/user/list` page per 100 direct members, at least one per department
 * (§4.3), never a per-user detail call. `v2/user/list` already carries every field of §4.3 plus, per department,
 * the person's order and leader flag, so a person in several departments is assembled from the pages of each.
 *
 * Pipelining: the users of a department are listed as soon as the department is discovered, while the walk goes
 * on, so both APIs run side by side and the wall time approaches max(calls per API) / QPS. Pacing is the client's
 * rate limiter's job; the crawl only keeps enough requests waiting on each API that it never idles.
 *
 * A failed listing (after the client's retries) does not stop the crawl: it is recorded and the snapshot is
 * marked incomplete, so destructive steps that need a complete snapshot are not taken from it.
 */

/** A department as `listsub` returns it (§3.1). */
export interface CrawlDepartment {
  dept_id: number;
  name: string;
  parent_id: number;
}

/** A person as `v2/user/list` describes them (§4.3), less the per-department fields; other fields kept as they came. */
export interface CrawlUserRecord {
  userid: string;
  name: string;
  dept_id_list?: number[];
  [field: string]: unknown;
}

/** A `v2/user/list` item: the person plus their order and leader flag in the listed department (§4.3). */
export interface CrawlListUser extends CrawlUserRecord {
  dept_order?: number;
  leader?: boolean;
}

export interface CrawlUserPage {
  has_more: boolean;
  next_cursor?: number;
  list: CrawlListUser[];
}

/** What the crawl needs from the DingTalk client; `createDingTalkClient` provides it. */
export interface AddressBookSource {
  listSubDepartments(deptId: number, signal?: AbortSignal): Promise<CrawlDepartment[]>;
  listUsersPage(request: { deptId: number; cursor: number; size: number }, signal?: AbortSignal): Promise<CrawlUserPage>;
}

/** One membership of a person: the department, their order in it and whether they lead it. */
export interface SnapshotMembership {
  deptId: number;
  order: number | null;
  leader: boolean;
}

export interface SnapshotDepartment {
  deptId: number;
  name: string;
  /** `null` for a crawl root: its parent is outside the crawled scope. */
  parentId: number | null;
}

export interface SnapshotUser {
  userid: string;
  /** The user record as DingTalk listed it, without the per-department fields `dept_order` and `leader`. */
  record: CrawlUserRecord;
  /** In the order DingTalk lists `dept_id_list` for the person (the first is taken as the main department). */
  memberships: SnapshotMembership[];
}

export interface CrawlFailure {
  step: 'listsub' | 'user_list';
  deptId: number;
  error: unknown;
}

export interface AddressBookSnapshot {
  /** True when every listing succeeded: only then may a plan remove anything. */
  complete: boolean;
  roots: number[];
  departments: Map<number, SnapshotDepartment>;
  users: Map<string, SnapshotUser>;
  failures: CrawlFailure[];
  /** Calls this crawl made by step (the client counts every HTTP attempt including retries separately). */
  requests: { listsub: number; userList: number };
}

export interface CrawlProgress {
  departments: number;
  users: number;
  pendingDepartments: number;
}

export interface CrawlOptions {
  /** Departments to crawl with their subtrees; `[1]` (the default) is the whole organization (§3, root id 1). */
  roots?: number[];
  /** Names of the root departments, when the caller knows them (the root of the org maps to the binding's node). */
  rootNames?: ReadonlyMap<number, string>;
  /** Requests kept waiting per API so that the rate limiter, not the crawl, sets the pace. */
  inFlightPerApi?: number;
  signal?: AbortSignal;
  onProgress?: (progress: CrawlProgress) => void;
}

const PAGE_SIZE = 100; // the maximum `size` of v2/user/list (§4.3)

/**
 * Crawls the address book below `roots`.
 *
 * @example
 * const snapshot = await crawlAddressBook(client.addressBook, { roots: [1] });
 * if (!snapshot.complete) console.warn('incomplete crawl; no removals this run', snapshot.failures);
 */
export async function crawlAddressBook(source: AddressBookSource, options: CrawlOptions = {}): Promise<AddressBookSnapshot> {
  const roots = options.roots ?? [1];
  const inFlight = Math.max(1, options.inFlightPerApi ?? 32);
  const snapshot: AddressBookSnapshot = {
    complete: true,
    roots,
    departments: new Map(),
    users: new Map(),
    failures: [],
    requests: { listsub: 0, userList: 0 },
  };

  const walkQueue = new Queue<number>();
  const pageQueue = new Queue<{ deptId: number; cursor: number }>();
  const active = { listsub: 0, userList: 0 };
  const seenDepartments = new Set<number>();
  let fatal: Error | undefined;

  const discover = (deptId: number): void => {
    if (seenDepartments.has(deptId)) return; // a department reached twice (roots that nest) is crawled once
    seenDepartments.add(deptId);
    walkQueue.push(deptId);
    pageQueue.push({ deptId, cursor: 0 });
  };

  for (const root of roots) {
    snapshot.departments.set(root, { deptId: root, name: options.rootNames?.get(root) ?? '', parentId: null });
    discover(root);
  }

  return new Promise<AddressBookSnapshot>((resolve, reject) => {
    const report = (): void =>
      options.onProgress?.({
        departments: snapshot.departments.size,
        users: snapshot.users.size,
        pendingDepartments: walkQueue.length + active.listsub,
      });

    const pump = (): void => {
      if (fatal !== undefined) return;
      if (options.signal?.aborted) {
        abort(options.signal);
        return;
      }
      while (active.listsub < inFlight && walkQueue.length > 0) {
        const deptId = walkQueue.shift();
        active.listsub++;
        snapshot.requests.listsub++;
        source.listSubDepartments(deptId, options.signal).then(
          (children) => {
            for (const child of children) {
              snapshot.departments.set(child.dept_id, { deptId: child.dept_id, name: child.name, parentId: deptId });
              discover(child.dept_id);
            }
          },
          (error: unknown) => fail({ step: 'listsub', deptId, error }),
        ).finally(() => settle('listsub'));
      }
      while (active.userList < inFlight && pageQueue.length > 0) {
        const { deptId, cursor } = pageQueue.shift();
        active.userList++;
        snapshot.requests.userList++;
        source.listUsersPage({ deptId, cursor, size: PAGE_SIZE }, options.signal).then(
          (page) => {
            for (const item of page.list) addMember(snapshot, deptId, item);
            // §4.3: next_cursor is only meaningful while has_more is true; a page that claims more without a cursor
            // would loop forever, so it ends the department and is reported as a failure.
            if (page.has_more) {
              if (page.next_cursor === undefined) {
                fail({ step: 'user_list', deptId, error: new Error('has_more without next_cursor') });
              } else {
                pageQueue.unshift({ deptId, cursor: page.next_cursor }); // finish a department before starting more
              }
            }
          },
          (error: unknown) => fail({ step: 'user_list', deptId, error }),
        ).finally(() => settle('userList'));
      }
      if (active.listsub === 0 && active.userList === 0 && walkQueue.length === 0 && pageQueue.length === 0) {
        finish();
      }
    };

    const fail = (failure: CrawlFailure): void => {
      // Only the caller's abort ends the crawl; a single call's timeout is a failure like any other.
      if (options.signal?.aborted) {
        abort(options.signal);
        return;
      }
      snapshot.complete = false;
      snapshot.failures.push(failure);
    };

    const abort = (signal: AbortSignal): void => {
      if (fatal !== undefined) return;
      fatal = signal.reason instanceof Error ? signal.reason : new DOMException('The crawl was aborted', 'AbortError');
      reject(fatal);
    };

    const settle = (api: 'listsub' | 'userList'): void => {
      active[api]--;
      report();
      pump();
    };

    const finish = (): void => {
      // A person listed in a department is also in others outside the crawled scope: keep only the memberships
      // the crawl saw, in DingTalk's dept_id_list order.
      for (const user of snapshot.users.values()) {
        const order = user.record.dept_id_list ?? [];
        user.memberships.sort((a, b) => rank(order, a.deptId) - rank(order, b.deptId));
      }
      resolve(snapshot);
    };

    pump();
  });
}

function addMember(snapshot: AddressBookSnapshot, deptId: number, item: CrawlListUser): void {
  const { dept_order: deptOrder, leader, ...record } = item;
  const membership: SnapshotMembership = { deptId, order: deptOrder ?? null, leader: leader === true };
  const known = snapshot.users.get(item.userid);
  if (known === undefined) {
    snapshot.users.set(item.userid, { userid: item.userid, record, memberships: [membership] });
  } else if (!known.memberships.some((m) => m.deptId === deptId)) {
    known.memberships.push(membership);
  }
}

function rank(order: readonly number[], deptId: number): number {
  const index = order.indexOf(deptId);
  return index === -1 ? Number.MAX_SAFE_INTEGER : index;
}

/** A FIFO with O(1) shift and unshift; a crawl of a large org queues thousands of departments. */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Puts `item` first (a department's next page goes before new departments). */
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): T {
    if (this.length === 0) throw new Error('shift on an empty queue');
    const item = this.items[this.head++] as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
