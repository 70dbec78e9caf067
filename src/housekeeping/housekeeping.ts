/**
 * Housekeeping: rows that have served their purpose are deleted once an hour, by one replica (a pg-boss schedule
 * fires once across every process on the database), so tables that grow with use — sessions, sign-in states, the
 * OIDC provider's grants and codes, the event inbox — stay the size of what is live.
 *
 * What goes, and why that is safe:
 * - `auth_sessions` past `expires_at`: a session is refused after it anyway (`sessions.ts`).
 * - `auth_login_states` past `expires_at`: a sign-in not finished in 10 minutes is abandoned (§10.1 codes live 5).
 * - `oidc_models` past `expires_at`: oidc-provider treats an expired model as absent (codes, tokens, grants,
 *   interactions); rows without an expiry (none today) are kept.
 * - `event_inbox` rows `processed` more than {@link INBOX_RETENTION_DAYS} days ago: the inbox's unique key also
 *   drops a replayed event, and DingTalk re-pushes for at most a few days (§7.6 retries, §8 failed list), so a
 *   month covers every replay it makes. Pending and failed rows are never touched: they are work still owed.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import { JOB_QUEUES, type Jobs } from '../jobs/index.ts';

/** Processed inbox events are kept this long (for "what happened" questions and replay detection). */
export const INBOX_RETENTION_DAYS = 30;
/** Each hour at :17, away from the top of the hour where schedules and people's cron jobs pile up. */
const CRON = '17 * * * *';
/** Rows deleted per statement: short transactions, so a purge never holds PGlite's one connection for long. */
const BATCH = 5_000;

export interface PurgeCounts {
  sessions: number;
  loginStates: number;
  oidcModels: number;
  inboxEvents: number;
}

export interface Housekeeping {
  /** Deletes what has expired now; answers how many rows went from each table. */
  purge(): Promise<PurgeCounts>;
  /** Schedules the hourly purge (once across replicas) and registers its worker in this process. */
  start(): Promise<void>;
}

/**
 * @example
 * const housekeeping = createHousekeeping({ db, jobs, clock, logger });
 * await housekeeping.start(); // the server does, with the other workers
 */
export function createHousekeeping(deps: { db: Kysely<Database>; jobs: Jobs; clock: Clock; logger: Pick<Logger, 'info' | 'warn'> }): Housekeeping {
  const { db, jobs, clock, logger } = deps;
  const queue = JOB_QUEUES.housekeeping.name;

  /** Deletes rows of `table` matching `where`, in batches by ctid (PGlite and PostgreSQL both have it), until none are left. */
  const deleteInBatches = async (table: string, where: ReturnType<typeof sql>): Promise<number> => {
    let total = 0;
    for (;;) {
      const result = await sql`delete from ${sql.table(table)} where ctid in (select ctid from ${sql.table(table)} where ${where} limit ${BATCH})`.execute(db);
      const n = Number(result.numAffectedRows ?? 0n);
      total += n;
      if (n < BATCH) return total;
    }
  };

  const housekeeping: Housekeeping = {
    async purge() {
      const now = new Date(clock.now());
      const inboxBefore = new Date(clock.now() - INBOX_RETENTION_DAYS * 24 * 60 * 60 * 1000);
      const counts: PurgeCounts = {
        sessions: await deleteInBatches('auth_sessions', sql`expires_at < ${now}`),
        loginStates: await deleteInBatches('auth_login_states', sql`expires_at < ${now}`),
        oidcModels: await deleteInBatches('oidc_models', sql`expires_at < ${now}`),
        inboxEvents: await deleteInBatches('event_inbox', sql`status = 'processed' and processed_at < ${inboxBefore}`),
      };
      if (Object.values(counts).some((n) => n > 0)) logger.info({ area: 'housekeeping', deleted: counts }, 'housekeeping: expired rows deleted');
      return counts;
    },
    async start() {
      await jobs.schedule(queue, CRON, {}, { key: 'hourly' });
      await jobs.work(queue, async () => {
        await housekeeping.purge();
      });
    },
  };
  return housekeeping;
}
