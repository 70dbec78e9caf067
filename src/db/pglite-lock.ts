import { hostname } from 'node:os';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { AppError } from '../core/index.ts';

/** A held lock; `release()` removes the file if it is still ours. */
export interface DirectoryLock {
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/**
 * Takes `path` (a lock file beside the PGlite directory) for this process. PGlite itself does not stop a second
 * process from opening the same data directory, and two would corrupt it (DESIGN.md "Storage and jobs": PGlite
 * admits one process). A file left by a process that died is taken over; one held by a live process on this host
 * is an AppError `db.locked` naming that process.
 *
 * @example
 * const lock = acquireDirectoryLock(join(dataDir, 'pglite.lock'));
 * try { … } finally { lock.release(); }
 */
export function acquireDirectoryLock(path: string): DirectoryLock {
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
      return { release: () => releaseIfOurs(path, me) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    if (owner && isAlive(owner)) {
      throw new AppError(
        'db.locked',
        `The embedded database is in use by another Dingbridge process (pid ${owner.pid} on ${owner.host}, ` +
          `since ${owner.since}). Stop it, or talk to it through its admin API; remove ${path} only if that ` +
          'process is gone.',
        { status: 409, details: { pid: owner.pid, host: owner.host, lockFile: path } },
      );
    }
    // Left by a process that is gone: take it over (one retry, in case another starter races us to it).
    unlinkSync(path);
  }
  throw new AppError(
    'db.locked',
    `Could not take the embedded database lock ${path}; another process keeps taking it.`,
    { status: 409, details: { lockFile: path } },
  );
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string'
      ? { pid: owner.pid, host: owner.host, since: String(owner.since) }
      : undefined;
  } catch {
    return undefined; // unreadable or half-written: treat as stale
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another host's process cannot be checked; a data directory shared over the network is assumed live.
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfOurs(path: string, me: LockOwner): void {
  const owner = readOwner(path);
  if (owner?.pid === me.pid && owner.since === me.since) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
