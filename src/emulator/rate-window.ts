/**
 * DingTalk's per-app, per-API QPS limit (§6.3: 20 calls per second on the standard edition) as a strict sliding
 * window: at most `qps` accepted calls of one API by one app in any 1000 ms. A ring buffer per (app, API) holds the
 * times of the last `qps` accepted calls; a call is accepted when the buffer is not full or its oldest entry is at
 * least 1000 ms old. Refused calls do not take a slot, so a client that backs off gets through as soon as the
 * window allows.
 *
 * @example
 * const window = new RateWindow(20);
 * window.tryAcquire('dingabc', 'topapi/v2/user/list', clock.now()); // false on the 21st call within a second
 */
export const WINDOW_MS = 1000;

interface Ring {
  stamps: Float64Array;
  next: number;
  filled: number;
}

export class RateWindow {
  #qps: number;
  readonly #rings = new Map<string, Ring>();

  /** @param qps calls per second per app per API; 0 means unlimited. */
  constructor(qps: number) {
    this.#qps = qps;
  }

  get qps(): number {
    return this.#qps;
  }

  /** Changes the limit and forgets the calls seen so far. */
  configure(qps: number): void {
    this.#qps = qps;
    this.#rings.clear();
  }

  tryAcquire(appKey: string, api: string, now: number): boolean {
    if (this.#qps === 0) return true;
    const key = `${appKey}\u0000${api}`;
    let ring = this.#rings.get(key);
    if (!ring) {
      ring = { stamps: new Float64Array(this.#qps), next: 0, filled: 0 };
      this.#rings.set(key, ring);
    }
    if (ring.filled === this.#qps) {
      // When full, `next` points at the oldest accepted call.
      if (now - (ring.stamps[ring.next] as number) < WINDOW_MS) return false;
    } else {
      ring.filled++;
    }
    ring.stamps[ring.next] = now;
    ring.next = (ring.next + 1) % this.#qps;
    return true;
  }
}
