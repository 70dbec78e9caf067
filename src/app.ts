/**
 * The composition root (STYLE.md 2): builds every part from the config and passes dependencies in. The server
 * (`dingbridge serve`) and the CLI in direct mode both open Dingbridge through {@link openDingbridge}.
 */
import type { Logger } from 'pino';
import type { DingbridgeApi } from './app-api.ts';
import type { Config } from './config/index.ts';
import type { DatabaseHandle } from './db/index.ts';

export interface OpenOptions {
  logger: Logger;
  /**
   * `server`: migrates, starts the job workers and schedules. `cli`: migrates and sends jobs, works none until
   * {@link Dingbridge.startWorkers} (a CLI `sync --wait` without a server runs its sync itself).
   */
  role: 'server' | 'cli';
}

export interface Dingbridge {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly api: DingbridgeApi;
  /** Starts the pg-boss workers (full sync …) in this process; the server calls it at start. */
  startWorkers(): Promise<void>;
  /** Stops workers (letting a running sync finish up to a timeout), jobs and the database. */
  close(): Promise<void>;
}

/** Opens the database (migrating it under a lock), the job queues and the services. Implemented below. */
export async function openDingbridge(config: Config, options: OpenOptions): Promise<Dingbridge> {
  void config;
  void options;
  await Promise.resolve();
  throw new Error('openDingbridge: being built (issue 4)');
}
