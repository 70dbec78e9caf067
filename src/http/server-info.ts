/**
 * How a CLI finds the server that holds an embedded database: `dingbridge serve` writes `DATA_DIR/server.json`
 * (mode 0600) once it listens and removes it when it stops; the admin token it created on first start sits in
 * `DATA_DIR/admin-token` (mode 0600). A file left by a dead process is recognised by its pid and ignored.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const SERVER_INFO_FILE = 'server.json';
export const ADMIN_TOKEN_FILE = 'admin-token';

export const serverInfoSchema = z.object({
  pid: z.number().int(),
  /** A URL this machine reaches the server at (loopback when the server listens on all interfaces). */
  url: z.url(),
  version: z.string(),
  startedAt: z.iso.datetime(),
  database: z.enum(['pglite', 'postgres']),
});
export type ServerInfo = z.infer<typeof serverInfoSchema>;

/**
 * Writes the server info file; returns a function that removes it (only if it is still ours).
 *
 * @example
 * const remove = writeServerInfo(config.dataDir, { pid: process.pid, url, version, startedAt, database: 'pglite' });
 */
export function writeServerInfo(dataDir: string, info: ServerInfo): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, SERVER_INFO_FILE);
  writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return () => {
    const current = readServerInfo(dataDir, { checkAlive: false });
    if (current?.pid === info.pid) rmSync(path, { force: true });
  };
}

/**
 * The server info of `dataDir`, or undefined when there is none, it does not parse, or (by default) its process
 * is gone.
 *
 * @example
 * const server = readServerInfo(config.dataDir); // then GET `${server.url}/healthz`
 */
export function readServerInfo(dataDir: string, options: { checkAlive?: boolean } = {}): ServerInfo | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, SERVER_INFO_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = serverInfoSchema.safeParse(parsed);
  if (!result.success) return undefined;
  if (options.checkAlive !== false && !processAlive(result.data.pid)) return undefined;
  return result.data;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
