/**
 * How a command reaches Dingbridge (DESIGN.md "Storage and jobs": PGlite admits one process): through a server's
 * admin API when one is named or runs on this DATA_DIR, otherwise by opening the database in this process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { DingbridgeApi } from '../app-api.ts';
import type { openDingbridge } from '../app.ts';
import type { Config } from '../config/index.ts';
import { AppError, isAppError } from '../core/index.ts';
import { ADMIN_TOKEN_FILE, readServerInfo } from '../http/server-info.ts';
import { createAdminApiClient } from './admin-api-client.ts';
import type { CliOutput } from './cli-io.ts';

export interface Connection {
  api: DingbridgeApi;
  mode: 'server' | 'direct';
  /** Where the database is: the embedded PGlite or PostgreSQL in direct mode; undefined through a server. */
  database: 'pglite' | 'postgres' | undefined;
  /** The server's URL in server mode. */
  serverUrl: string | undefined;
  /** Runs job workers in this process (direct mode: nobody else will run a sync); nothing through a server. */
  startWorkers(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** `--server`; falls back to env `DINGBRIDGE_SERVER`. */
  server?: string;
  /** `--token`; falls back to env `DINGBRIDGE_TOKEN`. */
  token?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Where direct mode logs (default stderr): stdout is for results. */
  logTo?: CliOutput;
  fetch?: typeof fetch;
  /** Replaces {@link openDingbridge} (tests). */
  open?: typeof openDingbridge;
}

/** `connect` itself, as a type, so `buildProgram({ connect })` can take a test's own. */
export type ConnectFn = (config: Config | (() => Config), options: ConnectOptions) => Promise<Connection>;

/**
 * Chooses how to reach Dingbridge: `--server`/`DINGBRIDGE_SERVER` (token from `--token`/`DINGBRIDGE_TOKEN`); else
 * a live server found in `DATA_DIR/server.json` (token from `DATA_DIR/admin-token`), unless `DATABASE_URL` is set;
 * else the database directly. The config is a function so that an explicit server needs no local config (no
 * `secret.key` generated on a machine that only talks to a server).
 *
 * @example
 * const connection = await connect(() => loadConfig(env), { env });
 * try { await connection.api.bindings.list(); } finally { await connection.close(); }
 */
export const connect: ConnectFn = async (configSource, options) => {
  const env = options.env ?? process.env;
  const explicit = options.server ?? nonEmpty(env.DINGBRIDGE_SERVER);
  if (explicit !== undefined) {
    const token = options.token ?? nonEmpty(env.DINGBRIDGE_TOKEN);
    if (token === undefined) {
      throw new AppError(
        'cli.token_required',
        `A server was named (${explicit}) but no admin token: pass --token or set DINGBRIDGE_TOKEN (the server keeps ` +
          `it in its DATA_DIR/${ADMIN_TOKEN_FILE}).`,
        { status: 400 },
      );
    }
    return remote(explicit, token, options.fetch);
  }

  const config = typeof configSource === 'function' ? configSource() : configSource;
  if (config.databaseUrl === undefined) {
    const info = readServerInfo(config.dataDir);
    if (info && (await healthy(info.url, options.fetch))) {
      return remote(info.url, options.token ?? nonEmpty(env.DINGBRIDGE_TOKEN) ?? readAdminToken(config.dataDir), options.fetch);
    }
  }
  return direct(config, env, options);
};

function remote(url: string, token: string, fetchImpl: typeof fetch | undefined): Connection {
  return {
    api: createAdminApiClient({ baseUrl: url, token, fetch: fetchImpl }),
    mode: 'server',
    database: undefined,
    serverUrl: url,
    startWorkers: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

async function direct(config: Config, env: Readonly<Record<string, string | undefined>>, options: ConnectOptions): Promise<Connection> {
  const logger = cliLogger(nonEmpty(env.LOG_LEVEL) === undefined ? 'warn' : config.logLevel, options.logTo);
  // Loaded only here: the database, jobs and services are most of the CLI's start time, and server mode needs none.
  const open = options.open ?? (await import('../app.ts')).openDingbridge;
  let dingbridge;
  try {
    dingbridge = await open(config, { logger, role: 'cli' });
  } catch (error) {
    if (isAppError(error, 'db.locked')) {
      throw new AppError(
        'db.locked',
        `${error.message} No running server announced itself in ${join(config.dataDir, 'server.json')}, so this ` +
          'command cannot go through it: if that process is `dingbridge serve`, pass --server <url> --token <token>; ' +
          'otherwise wait for it to finish.',
        { status: error.status, details: error.details, cause: error },
      );
    }
    throw error;
  }
  return {
    api: dingbridge.api,
    mode: 'direct',
    database: config.databaseUrl === undefined ? 'pglite' : 'postgres',
    serverUrl: undefined,
    startWorkers: () => dingbridge.startWorkers(),
    close: () => dingbridge.close(),
  };
}

function cliLogger(level: string, to: CliOutput | undefined): Logger {
  const out = to ?? process.stderr;
  return pino({ level, base: { role: 'cli' } }, { write: (line: string) => void out.write(line) });
}

/** GET /healthz with a short timeout: a server.json whose process lives but does not answer is not used. */
async function healthy(url: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    const response = await fetchImpl(`${url.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function readAdminToken(dataDir: string): string {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new AppError(
      'cli.admin_token_unreadable',
      `A server runs on ${dataDir}, but its admin token file ${path} cannot be read (${(error as Error).message}). ` +
        'Run the command as the user that runs the server, or pass --token / DINGBRIDGE_TOKEN.',
      { status: 403, details: { file: path } },
    );
  }
  if (token === '') {
    throw new AppError('cli.admin_token_unreadable', `The admin token file ${path} is empty. Restart \`dingbridge serve\` to write it again, or pass --token.`, {
      status: 403,
      details: { file: path },
    });
  }
  return token;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}
