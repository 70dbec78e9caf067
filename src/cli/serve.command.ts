/**
 * `dingbridge serve`: runs the server until SIGINT or SIGTERM (see `serve.ts`). The implementation is loaded only
 * when the command runs, so other commands do not pay for loading the whole server.
 *
 * @example
 * DATA_DIR=./data PORT=8080 dingbridge serve
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/index.ts';
import type { CliIo } from './cli-io.ts';

export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Run the Dingbridge server: admin API (/api/v1, reference at /docs), sync workers, metrics.')
    .action(async () => {
      const flags = program.opts<{ dataDir?: string }>();
      const env = flags.dataDir === undefined ? io.env : { ...io.env, DATA_DIR: flags.dataDir };
      const config = loadConfig(env, { onWarning: (message) => void io.stderr.write(`dingbridge: ${message}\n`) });
      const [{ serve }, { pino }] = await Promise.all([import('./serve.ts'), import('pino')]);
      const stop = await serve(config, {
        logger: pino({ level: config.logLevel }),
        print: (line) => void io.stderr.write(`${line}\n`),
      });
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          io.stderr.write(`dingbridge: ${signal}: stopping…\n`);
          void stop().finally(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
