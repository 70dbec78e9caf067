/**
 * Counts the calls the emulator answered, per API name (the request path without its leading slash and query:
 * `gettoken`, `topapi/v2/user/list`, `v1.0/oauth2/accessToken` — the keys the client's own counters use), and how
 * many of them were throttled. Benchmarks and tests compare these numbers with the bounds of DESIGN.md.
 */
export interface CallCounts {
  total: number;
  byApi: Record<string, number>;
  throttled: number;
  byApiThrottled: Record<string, number>;
}

export class CallCounter {
  #total = 0;
  #throttled = 0;
  readonly #byApi = new Map<string, number>();
  readonly #byApiThrottled = new Map<string, number>();

  record(api: string): void {
    this.#total++;
    this.#byApi.set(api, (this.#byApi.get(api) ?? 0) + 1);
  }

  /** Marks a call already recorded as throttled (by the rate window or an injected fault). */
  recordThrottled(api: string): void {
    this.#throttled++;
    this.#byApiThrottled.set(api, (this.#byApiThrottled.get(api) ?? 0) + 1);
  }

  snapshot(): CallCounts {
    return {
      total: this.#total,
      byApi: Object.fromEntries(this.#byApi),
      throttled: this.#throttled,
      byApiThrottled: Object.fromEntries(this.#byApiThrottled),
    };
  }

  reset(): void {
    this.#total = 0;
    this.#throttled = 0;
    this.#byApi.clear();
    this.#byApiThrottled.clear();
  }
}
