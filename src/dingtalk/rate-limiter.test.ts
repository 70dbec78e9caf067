import { describe, expect, it } from 'vitest';
import { manualClock, type ManualClock } from '../core/index.ts';
import { createRateLimiter, type RateLimiter, type ReleaseSlot } from './rate-limiter.ts';

/** Lets every promise continuation that is ready run (timers resume in a microtask after `advance`). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Started {
  at: number;
  release: ReleaseSlot;
}

/** Starts `count` acquisitions of `api`; each records when it was granted and is released after `latency(i)` ms. */
function acquireMany(
  limiter: RateLimiter,
  clock: ManualClock,
  api: string,
  count: number,
  latency: (i: number) => number = () => 0,
): Started[] {
  const started: Started[] = [];
  for (let i = 0; i < count; i++) {
    void limiter.acquire(api).then((release) => {
      started.push({ at: clock.now(), release });
      const ms = latency(i);
      if (ms === 0) release();
      else void clock.sleep(ms).then(release);
    });
  }
  return started;
}

async function runUntil(clock: ManualClock, done: () => boolean, stepMs: number, maxMs = 60_000): Promise<void> {
  const end = clock.now() + maxMs;
  await settle();
  while (!done() && clock.now() < end) {
    clock.advance(stepMs);
    await settle();
  }
}

/** The most events inside any half-open window (t − span, t]. */
function mostInAnyWindow(times: number[], span: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while (sorted[start]! <= sorted[end]! - span) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** A small deterministic generator, so a failure reproduces. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('rate limiter (sliding window, §6.3)', () => {
  it('never starts more than N calls in any 1000 ms window under a burst of 100, and keeps pace', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 20, windowMs: 1000, marginMs: 30 });
    const started = acquireMany(limiter, clock, 'topapi/v2/user/list', 100);
    await runUntil(clock, () => started.length === 100, 5);

    const times = started.map((s) => s.at);
    expect(times).toHaveLength(100);
    expect(mostInAnyWindow(times, 1000)).toBe(20);
    expect(mostInAnyWindow(times, 1030)).toBe(20); // the margin holds too
    // Just under the limit, not far under it: five waves of 20, one window + margin apart.
    expect(Math.max(...times)).toBe(4 * 1030);
  });

  it('does not let 2N through across a window edge, as a token bucket would', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 20, windowMs: 1000, marginMs: 30 });
    const first = acquireMany(limiter, clock, 'gettoken', 20);
    await settle();
    expect(first).toHaveLength(20);

    clock.advance(990);
    const second = acquireMany(limiter, clock, 'gettoken', 20);
    await runUntil(clock, () => clock.now() >= 1029, 1);
    expect(second).toHaveLength(0);
    clock.advance(1);
    await settle();
    expect(second).toHaveLength(20);
  });

  it('counts a slot from the answer, so a slow first wave cannot crowd the next one at the server', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 20, windowMs: 1000, marginMs: 30 });
    // The first wave takes 300 ms (cold connections), the second answers at once.
    const started = acquireMany(limiter, clock, 'topapi/v2/department/listsub', 40, (i) => (i < 20 ? 300 : 0));
    await runUntil(clock, () => started.length === 40, 5);
    expect(Math.min(...started.slice(20).map((s) => s.at))).toBe(300 + 1030);
  });

  it('keeps server-side arrivals within the limit whatever the latency (property, seeded)', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seeded(seed);
      const clock = manualClock(0);
      const limiter = createRateLimiter({ clock, qps: 7, windowMs: 1000, marginMs: 30 });
      const arrivals: number[] = [];
      let asked = 0;
      let granted = 0;
      const ask = (): void => {
        asked++;
        void limiter.acquire('a').then((release) => {
          granted++;
          // The server sees the call somewhere between our sending it and our getting the answer.
          const latency = Math.floor(random() * 400);
          arrivals.push(clock.now() + Math.floor(random() * latency));
          void clock.sleep(latency).then(release);
        });
      };
      while (clock.now() < 6000) {
        const burst = random() < 0.03 ? Math.floor(random() * 15) : 0;
        for (let i = 0; i < burst; i++) ask();
        await settle();
        clock.advance(Math.ceil(random() * 20));
        await settle();
      }
      await runUntil(clock, () => granted === asked, 3, 600_000);

      expect(asked).toBeGreaterThan(30);
      expect(granted).toBe(asked);
      expect(mostInAnyWindow(arrivals, 1000)).toBeLessThanOrEqual(7);
    }
  });

  it('holds a slot while its call is in flight', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 2, windowMs: 1000, marginMs: 0 });
    const slow = await Promise.all([limiter.acquire('a'), limiter.acquire('a')]);
    const next = acquireMany(limiter, clock, 'a', 1);
    await runUntil(clock, () => clock.now() >= 5000, 100);
    expect(next).toHaveLength(0);

    slow[0]?.();
    slow[0]?.(); // a second release changes nothing
    await runUntil(clock, () => next.length === 1, 10);
    expect(next[0]!.at).toBe(6000);
  });

  it('keeps one window per API: a full one does not hold back another', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 2 });
    const a = acquireMany(limiter, clock, 'topapi/v2/department/listsub', 5);
    const b = acquireMany(limiter, clock, 'topapi/v2/user/list', 2);
    await settle();
    expect([a.length, b.length]).toEqual([2, 2]);
  });

  it('applies per-API overrides, and 0 turns limiting off', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 0, perApi: { 'topapi/v2/user/list': 3 } });
    const unlimited = acquireMany(limiter, clock, 'topapi/v2/department/listsub', 500);
    const limited = acquireMany(limiter, clock, 'topapi/v2/user/list', 5);
    await settle();
    expect([unlimited.length, limited.length]).toEqual([500, 3]);
    expect(limiter.limitOf('topapi/v2/user/list')).toBe(3);
    expect(createRateLimiter({ clock }).limitOf('anything')).toBe(20);
  });

  it('stops waiting on abort with the signal reason, without taking a slot', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 1, windowMs: 1000, marginMs: 0 });
    (await limiter.acquire('a'))();
    const controller = new AbortController();
    const waiting = limiter.acquire('a', controller.signal);
    const next = acquireMany(limiter, clock, 'a', 1);
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');

    await runUntil(clock, () => next.length === 1, 10);
    expect(next[0]!.at).toBe(1000); // the aborted waiter took no slot: the next one starts when the first ages out
  });

  it('rejects at once when the signal is already aborted', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 1 });
    await expect(limiter.acquire('a', AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
    const started = acquireMany(limiter, clock, 'a', 1);
    await settle();
    expect(started).toHaveLength(1);
  });
});
