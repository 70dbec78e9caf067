/**
 * Where a command reads and writes. `main` uses the process's streams; tests pass their own, so commands run
 * in-process with captured output. stdout carries results only (one JSON document with `--json`); everything for
 * people — warnings, progress, prompts — goes to stderr.
 */
import type { Readable } from 'node:stream';

export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: Readable & { readonly isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The process's own streams and environment.
 *
 * @example
 * await main(process.argv, { io: processIo() });
 */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Reads a stream to its end as UTF-8 text. */
export async function readAll(stream: Readable): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
}
