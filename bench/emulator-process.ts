/**
 * Starts `dingbridge emulator` as a child process, as a user would, and reads its ready line. Benchmarks run the
 * emulator in its own process so that its work does not share an event loop with what is being measured.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface EmulatorProcess {
  url: string;
  corpId: string;
  appKey: string;
  appSecret: string;
  agentId: string;
  pid: number;
  /** Milliseconds from spawning the process to its ready line (generation included). */
  readyMs: number;
  close(): Promise<void>;
}

const bin = fileURLToPath(new URL('../bin/dingbridge.js', import.meta.url));

export async function startEmulatorProcess(args: { users: number; qps?: number; seed?: string; depts?: number }): Promise<EmulatorProcess> {
  const argv = [bin, 'emulator', '--port', '0', '--users', String(args.users), '--seed', args.seed ?? 'bench'];
  if (args.qps !== undefined) argv.push('--qps', String(args.qps));
  if (args.depts !== undefined) argv.push('--depts', String(args.depts));
  const spawnedAt = performance.now();
  // The emulator logs every request to stderr; a benchmark keeps only its ready line.
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the emulator exited with code ${String(code)} before it was ready`)));
  });
  const readyMs = performance.now() - spawnedAt;
  const info = JSON.parse(first) as Omit<EmulatorProcess, 'pid' | 'close' | 'readyMs'>;
  return {
    ...info,
    pid: child.pid!,
    readyMs,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Peak resident set size (VmHWM) of a process in bytes, from /proc (Linux). */
export async function peakRssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}
