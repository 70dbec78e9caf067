/**
 * `dingbridge emulator`: runs the DingTalk emulator until SIGINT or SIGTERM.
 *
 * Once it listens it prints exactly one JSON line on stdout —
 * `{"url","corpId","appKey","appSecret","agentId","users","depts"}` — so scripts can read the credentials; logs go to
 * stderr. Bad flags fail before anything starts, naming the flag (exit code 2).
 *
 * @example
 * dingbridge emulator --port 0 --users 100000 --seed demo
 */
import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { startEmulator, type EmulatorOptions } from '../emulator/index.ts';

const DEFAULT_PORT = 9090;

/** A commander argument parser that checks the value with zod and says what is wrong. */
function parser<T>(schema: z.ZodType<T>, expected: string): (value: string) => T {
  return (value) => {
    const result = schema.safeParse(value);
    if (!result.success) throw new InvalidArgumentError(`expected ${expected}, got "${value}".`);
    return result.data;
  };
}

const wholeNumber = (min: number, max: number) =>
  parser(z.string().regex(/^\d+$/).transform(Number).pipe(z.int().min(min).max(max)), `a whole number from ${min} to ${max}`);
const token = parser(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/), 'letters, digits, _ or - (1 to 128 characters)');
const milliseconds = wholeNumber(0, 86_400_000);

/** What commander hands the action: the options of startEmulator that have a flag, port and host defaulted. */
type EmulatorFlags = Omit<EmulatorOptions, 'clock' | 'logger'> & { port: number; host: string };

export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('Run a local DingTalk (oapi and api families on one URL) with a generated organization.')
    .option('--port <n>', 'port to listen on; 0 picks a free one', wholeNumber(0, 65_535), DEFAULT_PORT)
    .option('--host <host>', 'address to listen on', parser(z.string().min(1).max(255), 'a host name or address'), '127.0.0.1')
    .option('--seed <seed>', 'seed of the organization and credentials (same seed, same org; default "dingbridge")', parser(z.string().min(1).max(200), 'a non-empty seed'))
    .option('--users <n>', 'people in the organization (default 200)', wholeNumber(1, 500_000))
    .option('--depts <n>', 'departments including the root (default users/25, at least 5)', wholeNumber(1, 100_000))
    .option('--qps <n>', 'calls per second per app per API; 0 = unlimited (default 20)', wholeNumber(0, 100_000))
    .option('--corp-id <id>', 'the organization corpId (default derived from the seed)', token)
    .option('--app-key <key>', 'AppKey of the first app (default derived from the seed)', token)
    .option('--app-secret <secret>', 'AppSecret of the first app (default derived from the seed)', token)
    .option('--agent-id <id>', 'AgentId of the first app (default derived from the seed)', parser(z.string().regex(/^\d{1,20}$/), 'digits'))
    .option('--event-mode <mode>', 'event mode of the first app: none, http or stream (default none, or http with --callback-url)', parser(z.enum(['none', 'http', 'stream']), 'none, http or stream'))
    .option('--callback-url <url>', 'HTTP push URL of the first app (owner key = AppKey); needs --callback-token and --callback-aes-key', parser(z.url({ protocol: /^https?$/ }), 'an http or https URL'))
    .option('--callback-token <token>', 'HTTP push token: 3 to 32 letters or digits', parser(z.string().regex(/^[A-Za-z0-9]{3,32}$/), '3 to 32 letters or digits'))
    .option('--callback-aes-key <key>', 'HTTP push EncodingAESKey: 43 letters or digits', parser(z.string().regex(/^[A-Za-z0-9]{43}$/), '43 letters or digits'))
    .option('--push-delay-scale <x>', 'multiplies event retry, re-push, ping and disconnect delays, e.g. 0.01 (default 1)', parser(z.string().regex(/^\d+(\.\d+)?$/).transform(Number).pipe(z.number().max(100)), 'a number from 0 to 100'))
    .option('--push-timeout-ms <n>', 'how long an HTTP push waits for the reply (default 1500)', wholeNumber(1, 60_000))
    .option('--stream-ping-interval-ms <n>', 'Stream ping period before scaling; 0 = none (default 30000)', milliseconds)
    .option('--stream-disconnect-interval-ms <n>', 'Stream disconnect period per connection before scaling; 0 = never (default 3600000)', milliseconds)
    .option('--stream-ack-timeout-ms <n>', 'Stream re-push when not ACKed within this, before scaling (default 60000)', wholeNumber(1, 86_400_000))
    .action(async (flags: EmulatorFlags) => runEmulator(flags));
}

async function runEmulator(flags: EmulatorFlags): Promise<void> {
  const emulator = await startEmulator({ ...flags, logger: true });
  const { users, depts } = emulator.counts();
  const { url, corpId, appKey, appSecret, agentId } = emulator;
  process.stdout.write(`${JSON.stringify({ url, corpId, appKey, appSecret, agentId, users, depts })}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
}
