/**
 * The `dingbridge` command line. Each command lives in its own `*.command.ts` file and registers itself on the
 * program; this file only builds the program and turns errors into messages and exit codes.
 *
 * Exit codes: 0 success, 1 the work failed (an AppError: the message says what and what to do),
 * 2 bad usage (unknown command or flag, malformed value), 70 an unexpected internal error.
 */
import { inspect } from 'node:util';
import { Command, CommanderError } from 'commander';
import { isAppError } from '../core/index.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { registerAccountsCommands } from './accounts.command.ts';
import { registerAppsCommands } from './apps.command.ts';
import { registerBindingsCommands } from './bindings.command.ts';
import { CommandFailed, createCliContext } from './cli-context.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { connect as connectToDingbridge, type ConnectFn } from './connect.ts';
import { registerDirectoryCommands } from './directory.command.ts';
import { registerEmulatorCommand } from './emulator.command.ts';
import { registerOutboundCommands } from './outbound.command.ts';
import { registerRunsCommands } from './runs.command.ts';
import { registerServeCommand } from './serve.command.ts';
import { registerSyncCommand } from './sync.command.ts';
import { registerUnitsCommands } from './units.command.ts';

/** What the program runs with; tests replace the streams, the connection and the poll interval. */
export interface CliDependencies {
  io: CliIo;
  connect: ConnectFn;
  /** How often `sync --wait` polls its run (default 300 ms). */
  pollIntervalMs: number;
}

/**
 * The program with every command registered.
 *
 * @example
 * await buildProgram({ io, connect: async () => testConnection }).parseAsync(['node', 'dingbridge', 'bindings', 'list']);
 */
export function buildProgram(dependencies: Partial<CliDependencies> = {}): Command {
  const io = dependencies.io ?? processIo();
  const context = createCliContext(io, dependencies.connect ?? connectToDingbridge, dependencies.pollIntervalMs ?? 300);
  const program = new Command('dingbridge')
    .description('Bind DingTalk (钉钉) organizations to your own identity platform.')
    .version(packageJson.version, '-v, --version')
    .option('--data-dir <path>', 'the DATA_DIR to work on (default env DATA_DIR, else ./data)')
    .option('--server <url>', 'reach a running server at this URL (default env DINGBRIDGE_SERVER, else the one in DATA_DIR/server.json)')
    .option('--token <token>', 'admin token for --server (default env DINGBRIDGE_TOKEN, else DATA_DIR/admin-token)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .exitOverride();
  registerServeCommand(program, io);
  registerEmulatorCommand(program);
  registerBindingsCommands(program, context);
  registerSyncCommand(program, context);
  registerRunsCommands(program, context);
  registerDirectoryCommands(program, context);
  registerAppsCommands(program, context);
  registerUnitsCommands(program, context);
  registerAccountsCommands(program, context);
  registerOutboundCommands(program, context);
  return program;
}

/** Runs the CLI with `argv` (as `process.argv`) and resolves with the exit code. */
export async function main(argv: string[], dependencies: Partial<CliDependencies> = {}): Promise<number> {
  const io = dependencies.io ?? processIo();
  const program = buildProgram({ ...dependencies, io });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end through exitOverride with exit code 0; usage errors were already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    // The command printed its whole result already (a run that did not succeed, a failed check).
    if (error instanceof CommandFailed) return error.exitCode;
    if (isAppError(error)) {
      const json = argv.includes('--json');
      if (json) io.stdout.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
      else io.stderr.write(`dingbridge: ${error.message} [${error.code}]\n`);
      return error.status === 400 ? 2 : 1;
    }
    io.stderr.write(`dingbridge: unexpected error: ${inspect(error)}\n`);
    return 70;
  }
}
