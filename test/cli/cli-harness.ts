/**
 * Runs `dingbridge …` in-process through `main`, with captured stdout/stderr, a stdin the test fills, and a
 * connection the test provides.
 */
import { Readable } from 'node:stream';
import type { DingbridgeApi } from '../../src/app-api.ts';
import { main } from '../../src/cli/index.ts';
import type { CliIo } from '../../src/cli/cli-io.ts';
import type { Connection, ConnectFn } from '../../src/cli/connect.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON document. */
  json(): unknown;
}

export interface RunOptions {
  connect?: ConnectFn;
  stdin?: string;
  stdinIsTTY?: boolean;
  stderrIsTTY?: boolean;
  env?: Record<string, string | undefined>;
}

export async function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(options.stdin === undefined ? [] : [options.stdin]) as CliIo['stdin'];
  Object.assign(stdin, { isTTY: options.stdinIsTTY ?? false });
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.stderrIsTTY ?? false },
    stdin,
    env: options.env ?? {},
  };
  const code = await main(['node', 'dingbridge', ...args], {
    io,
    connect: options.connect ?? (() => Promise.reject(new Error('this test does not connect'))),
    pollIntervalMs: 1,
  });
  return { code, stdout, stderr, json: (): unknown => JSON.parse(stdout) };
}

/** A connect function handing out `api`, recording how it was used. */
export function connectTo(api: DingbridgeApi, mode: Connection['mode'] = 'server', database: Connection['database'] = undefined) {
  const calls = { connects: 0, startWorkers: 0, closes: 0 };
  const connect: ConnectFn = () => {
    calls.connects++;
    return Promise.resolve({
      api,
      mode,
      database,
      serverUrl: mode === 'server' ? 'http://127.0.0.1:1' : undefined,
      startWorkers: () => {
        calls.startWorkers++;
        return Promise.resolve();
      },
      close: () => {
        calls.closes++;
        return Promise.resolve();
      },
    });
  };
  return { connect, calls };
}
