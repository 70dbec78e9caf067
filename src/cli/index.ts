/**
 * The `dingbridge` command line. Each command lives in its own `*.command.ts` file and registers itself on the
 * program; this file only builds the program and turns errors into messages and exit codes.
 *
 * Exit codes: 0 success, 1 the work failed (an AppError: the message says what and what to do),
 * 2 bad usage (unknown command or flag, malformed value), 70 an unexpected internal error.
 */
import { Command, CommanderError } from 'commander';
import { isAppError } from '../core/index.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { registerEmulatorCommand } from './emulator.command.ts';

export function buildProgram(): Command {
  const program = new Command('dingbridge')
    .description('Bind DingTalk (钉钉) organizations to your own identity platform.')
    .version(packageJson.version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerEmulatorCommand(program);
  return program;
}

/** Runs the CLI with `argv` (as `process.argv`) and resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end through exitOverride with exit code 0; usage errors were already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isAppError(error)) {
      const json = argv.includes('--json');
      if (json) process.stdout.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
      else console.error(`dingbridge: ${error.message} [${error.code}]`);
      return error.status === 400 ? 2 : 1;
    }
    console.error('dingbridge: unexpected error:', error);
    return 70;
  }
}
