/**
 * What the end-to-end tests share: `bin/dingbridge.js` run as a child process (the CLI, or `serve`, as a user
 * runs them) and a poll that waits for a value.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readServerInfo } from '../../src/http/index.ts';

const BIN = fileURLToPath(new URL('../../bin/dingbridge.js', import.meta.url));

/** Polls `probe` until it answers a value (not undefined, null or false) and answers it; fails after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `dingbridge <args>` to its end in `env`; answers its exit code and output. */
export async function runDingbridge(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

export interface ServeProcess {
  child: ChildProcess;
  /** Its stderr so far (logs and the start-up lines). */
  output(): string;
  /** The address it listens on, from `DATA_DIR/server.json`. */
  url: string;
}

/** Starts `dingbridge serve` in `env` and waits until it wrote `server.json` in `dataDir` (a stale one is removed first). */
export async function startServe(env: NodeJS.ProcessEnv, dataDir: string): Promise<ServeProcess> {
  rmSync(join(dataDir, 'server.json'), { force: true });
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const info = await until(() => {
    if (child.exitCode !== null) throw new Error(`serve exited early:\n${output}`);
    return Promise.resolve(readServerInfo(dataDir));
  }, 'dingbridge serve to listen', 30_000);
  return { child, output: () => output, url: info.url };
}
