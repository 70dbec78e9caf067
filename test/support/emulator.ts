/**
 * Starts a DingTalk emulator on a free loopback port for a test file, and gives the file small helpers for its
 * control API. Tests reach the emulator only over HTTP, as Dingbridge reaches DingTalk.
 */
import { afterAll, beforeAll } from 'vitest';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.ts';

export interface EmulatorHandle extends RunningEmulator {
  /** Calls the control API (`/_emulator/...`) and returns the parsed JSON body. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Raw fetch against the emulator's base URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * A caller of an emulator's control API (`/_emulator/...`): parses the JSON answer and throws on any refusal, so a
 * test never goes on from a control call that did not happen.
 */
export function emulatorControl(baseUrl: string): EmulatorHandle['control'] {
  return async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`control ${method} ${path} → ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
}

/** Registers beforeAll/afterAll hooks; the returned object is filled in before the first test runs. */
export function useEmulator(options: EmulatorOptions = {}): EmulatorHandle {
  const handle = {} as EmulatorHandle;
  let running: RunningEmulator | undefined;
  beforeAll(async () => {
    running = await startEmulator({ port: 0, seed: 'contract', users: 600, ...options });
    Object.assign(handle, running, {
      fetch: (path: string, init?: RequestInit) => fetch(`${running!.url}${path}`, init),
      control: emulatorControl(running.url),
    });
  });
  afterAll(async () => {
    await running?.close();
  });
  return handle;
}
