/**
 * What every admin command gets from the program: its streams, how to reach Dingbridge (honouring the global
 * `--data-dir`, `--server` and `--token` flags) and how to end with a non-zero exit code after printing its result.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import type { CliIo } from './cli-io.ts';
import type { Connection, ConnectFn } from './connect.ts';

export interface CliContext {
  io: CliIo;
  /** How often `sync --wait` polls the run. */
  pollIntervalMs: number;
  /** Connects as the global flags of `command` say, runs `work`, and closes the connection whatever happens. */
  withConnection<T>(command: Command, work: (connection: Connection) => Promise<T>): Promise<T>;
}

/** The global flags, as `optsWithGlobals()` returns them. */
export interface GlobalFlags {
  dataDir?: string;
  server?: string;
  token?: string;
  json?: boolean;
}

/**
 * Thrown by a command that printed its whole result but must exit non-zero (a failed run, a failed check):
 * `main` returns its code and prints nothing more, so `--json` output stays one document.
 *
 * @example
 * if (!report.ok) throw new CommandFailed(1);
 */
export class CommandFailed extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'CommandFailed';
    this.exitCode = exitCode;
  }
}

export function createCliContext(io: CliIo, connect: ConnectFn, pollIntervalMs: number): CliContext {
  return {
    io,
    pollIntervalMs,
    async withConnection(command, work) {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const env = flags.dataDir === undefined ? io.env : { ...io.env, DATA_DIR: flags.dataDir };
      const config = () => loadConfig(env, { onWarning: (message) => void io.stderr.write(`dingbridge: ${message}\n`) });
      const connection = await connect(config, { server: flags.server, token: flags.token, env, logTo: io.stderr });
      try {
        return await work(connection);
      } finally {
        await connection.close();
      }
    },
  };
}
