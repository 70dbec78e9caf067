/**
 * The emulator's event options (`startEmulator` options and `dingbridge emulator` flags), checked once, with their
 * defaults in one place. Delays follow DingTalk's published numbers (§7.5 retries at +10 s and +30 s, §9.3 re-push
 * after about 60 s) and are all multiplied by `pushDelayScale`; the HTTP reply deadline is not scaled (§7.5: 1500 ms,
 * the stricter of the two documented limits).
 */
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { AES_KEY_PATTERN } from './callback-crypto.ts';

export const EVENT_MODES = ['none', 'http', 'stream'] as const;
export type EventMode = (typeof EVENT_MODES)[number];

/** §7.1: the console's token is 3–32 letters or digits. */
export const APP_TOKEN_PATTERN = /^[A-Za-z0-9]{3,32}$/;

export interface EventOptions {
  /** Multiplies every delivery delay (retries, re-pushes, pings, disconnects); default 1, e.g. 0.01 in tests. */
  pushDelayScale?: number;
  /** How long an HTTP push waits for the receiver's reply (§7.5); default 1500 ms, not scaled. */
  pushTimeoutMs?: number;
  /** HTTP pushes in flight per subscription; default 4. */
  pushConcurrency?: number;
  /** Stream `ping` period before scaling; default 30,000 ms; 0 = no pings. */
  streamPingIntervalMs?: number;
  /** Stream `disconnect` period per connection before scaling; default 3,600,000 ms; 0 = never. */
  streamDisconnectIntervalMs?: number;
  /** An EVENT not ACKed within this (before scaling) is pushed again (§9.3); default 60,000 ms. */
  streamAckTimeoutMs?: number;
  /** The primary app's event mode at start; default `http` when `callbackUrl` is given, else `none`. */
  eventMode?: EventMode;
  /** The primary app's HTTP subscription at start (owner key = AppKey); no check_url, the receiver may start later. */
  callbackUrl?: string;
  callbackToken?: string;
  callbackAesKey?: string;
}

export interface EventSettings {
  pushDelayScale: number;
  pushTimeoutMs: number;
  pushConcurrency: number;
  streamPingIntervalMs: number;
  streamDisconnectIntervalMs: number;
  streamAckTimeoutMs: number;
  /** Fixed by DingTalk (§7.5, §9.3), scaled. */
  retryDelaysMs: readonly number[];
  disconnectGraceMs: number;
  laterDelayMs: number;
  streamMaxAttempts: number;
  streamHoldMs: number;
  streamHoldLimit: number;
  /** Stream tickets (§9.1), on the emulator's clock. */
  ticketTtlMs: number;
}

export const callbackUrlSchema = z
  .string()
  .max(2000)
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'an http or https URL');

/** The `startEmulator` options of this file, merged into the emulator's option schema. */
export const eventOptionsShape = {
  pushDelayScale: z.number().min(0).max(100).optional(),
  pushTimeoutMs: z.int().min(1).max(60_000).optional(),
  pushConcurrency: z.int().min(1).max(64).optional(),
  streamPingIntervalMs: z.int().min(0).max(86_400_000).optional(),
  streamDisconnectIntervalMs: z.int().min(0).max(86_400_000).optional(),
  streamAckTimeoutMs: z.int().min(1).max(86_400_000).optional(),
  eventMode: z.enum(EVENT_MODES).optional(),
  callbackUrl: callbackUrlSchema.optional(),
  callbackToken: z.string().regex(APP_TOKEN_PATTERN, '3–32 letters or digits (§7.1)').optional(),
  callbackAesKey: z.string().regex(AES_KEY_PATTERN, '43 letters or digits (§7.1)').optional(),
};

/** Settings with defaults; AppError 400 `emulator.invalid_options` for callback options that do not fit together. */
export function eventSettingsOf(options: EventOptions): EventSettings {
  const invalid = (message: string): AppError => new AppError('emulator.invalid_options', `Invalid emulator options: ${message}`, { status: 400 });
  const callback = [options.callbackUrl, options.callbackToken, options.callbackAesKey];
  if (callback.some((value) => value !== undefined) && callback.some((value) => value === undefined)) {
    throw invalid('callbackUrl, callbackToken and callbackAesKey go together');
  }
  if (options.callbackUrl !== undefined && options.eventMode !== undefined && options.eventMode !== 'http') {
    throw invalid(`eventMode ${options.eventMode} does not take a callback URL`);
  }
  if (options.eventMode === 'http' && options.callbackUrl === undefined) throw invalid('eventMode http needs callbackUrl, callbackToken and callbackAesKey');
  return {
    pushDelayScale: options.pushDelayScale ?? 1,
    pushTimeoutMs: options.pushTimeoutMs ?? 1500,
    pushConcurrency: options.pushConcurrency ?? 4,
    streamPingIntervalMs: options.streamPingIntervalMs ?? 30_000,
    streamDisconnectIntervalMs: options.streamDisconnectIntervalMs ?? 3_600_000,
    streamAckTimeoutMs: options.streamAckTimeoutMs ?? 60_000,
    retryDelaysMs: [10_000, 30_000],
    disconnectGraceMs: 10_000,
    laterDelayMs: 10_000,
    streamMaxAttempts: 6,
    streamHoldMs: 3_600_000,
    streamHoldLimit: 10_000,
    ticketTtlMs: 90_000,
  };
}
