/**
 * Injected faults for trying a client's retry and back-off paths: a share of calls answered with an error code,
 * added latency, and "the next N calls are throttled". Decisions use the seeded generator, so a run with the same
 * seed and the same calls fails the same calls.
 *
 * @example
 * faults.set({ errorRate: 0.1, errcode: -1, apis: ['topapi/v2/user/list'] });
 * faults.set({ throttle: { api: 'topapi/v2/user/list', count: 3 } });
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { Random } from './seeded-random.ts';

export const faultSettingsSchema = z
  .object({
    /** Share of calls (0..1) answered with `errcode`. */
    errorRate: z.number().min(0).max(1).optional(),
    /** The oapi errcode of injected errors; -1 (system busy) by default. */
    errcode: z.int().optional(),
    /** Added before answering, in real milliseconds (latency is about wall time, not the emulator's clock). */
    latencyMs: z.int().min(0).max(60_000).optional(),
    /** The next `count` calls (of `api`, or of any API) are answered as throttled. */
    throttle: z.object({ api: z.string().min(1).optional(), count: z.int().min(0).max(1_000_000) }).strict().optional(),
    /** Limits `errorRate` and `latencyMs` to these API names. */
    apis: z.array(z.string().min(1)).optional(),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export type FaultDecision = { kind: 'none' } | { kind: 'throttle' } | { kind: 'error'; errcode: number };

export class FaultInjector {
  #settings: FaultSettings = {};
  readonly #random: Random;

  constructor(random: Random) {
    this.#random = random;
  }

  get settings(): FaultSettings {
    return structuredClone(this.#settings);
  }

  set(settings: FaultSettings): void {
    this.#settings = structuredClone(settings);
  }

  clear(): void {
    this.#settings = {};
  }

  /** Waits out any injected latency, then says how to answer this call of `api`. */
  async decide(api: string): Promise<FaultDecision> {
    const { errorRate, errcode, latencyMs, throttle, apis } = this.#settings;
    const targeted = !apis || apis.includes(api);
    if (targeted && latencyMs) await delay(latencyMs);
    if (throttle && throttle.count > 0 && (throttle.api === undefined || throttle.api === api)) {
      throttle.count--;
      return { kind: 'throttle' };
    }
    if (targeted && errorRate && this.#random.next() < errorRate) return { kind: 'error', errcode: errcode ?? -1 };
    return { kind: 'none' };
  }
}
