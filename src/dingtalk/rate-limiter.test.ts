import { describe, expect, it } from 'vitest';
import { manualClock, type ManualClock } from '../core/index.ts';
import { createRateLimiter } from './rate-limiter.ts';

/** Lets every promise continuation that is ready run (the pump resumes in a microtask after `advance`). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Starts `count` acquisitions of `api` and records the clock time at which each was granted. */
function acquireMany(
  limiter: ReturnType<typeof createRateLimiter>,
  clock: ManualClock,
  api: string,
  count: number,
): number[] {
  const granted: number[] = [];
  for (let i = 0; i < count; i++) void limiter.acquire(api).then(() => granted.push(clock.now()));
  return granted;
}

async function runUntil(clock: ManualClock, done: () => boolean, stepMs: number, maxMs = 60_000): Promise<void> {
  const end = clock.now() + maxMs;
  await settle();
  while (!done() && clock.now() < end) {
    clock.advance(stepMs);
    await settle();
  }
}

/** The most starts inside any half-open window (t − span, t] of the given length. */
function mostInAnyWindow(times: number[], span: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while (sorted[start]! <= sorted[end]! - span) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('rate limiter (sliding window, §6.3)', () => {
  it('never starts more than N calls in any 1000 ms window under a burst of 100, and keeps pace', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 20, windowMs: 1000, marginMs: 40 });
    const granted = acquireMany(limiter, clock, 'topapi/v2/user/list', 100);
    await runUntil(clock, () => granted.length === 100, 5);

    expect(granted).toHaveLength(100);
    expect(mostInAnyWindow(granted, 1000)).toBe(20);
    expect(mostInAnyWindow(granted, 1040)).toBe(20); // the margin holds too
    // Just under the limit, not far under it: five waves of 20, one window + margin apart.
    expect(Math.max(...granted)).toBe(4 * 1040);
  });

  it('does not let 2N through across a window edge, as a token bucket would', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 20, windowMs: 1000, marginMs: 40 });
    const first = acquireMany(limiter, clock, 'gettoken', 20);
    await settle();
    expect(first).toHaveLength(20);

    clock.advance(990);
    const second = acquireMany(limiter, clock, 'gettoken', 20);
    await runUntil(clock, () => clock.now() >= 1039, 1);
    expect(second).toHaveLength(0);
    clock.advance(1);
    await settle();
    expect(second).toHaveLength(20);
    expect(mostInAnyWindow([...first, ...second], 1040)).toBe(20);
  });

  it('holds under random bursty arrivals over several seconds', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 7, windowMs: 1000, marginMs: 30 });
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const granted: number[] = [];
    let asked = 0;
    while (clock.now() < 5000) {
      const burst = random() < 0.1 ? Math.floor(random() * 15) : 0;
      for (let i = 0; i < burst; i++, asked++) void limiter.acquire('a').then(() => granted.push(clock.now()));
      await settle(); // record immediate grants at the time they were made
      clock.advance(Math.ceil(random() * 20));
      await settle();
    }
    await runUntil(clock, () => granted.length === asked, 3);

    expect(asked).toBeGreaterThan(30);
    expect(granted).toHaveLength(asked);
    expect(mostInAnyWindow(granted, 1030)).toBeLessThanOrEqual(7);
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

  it('stops waiting on abort with the signal reason, without using a slot', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 1, windowMs: 1000, marginMs: 0 });
    await limiter.acquire('a');
    const controller = new AbortController();
    const waiting = limiter.acquire('a', controller.signal);
    const next = acquireMany(limiter, clock, 'a', 1);
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');

    await runUntil(clock, () => next.length === 1, 10);
    expect(next).toEqual([1000]); // the aborted waiter took no slot: the next one starts when the first expires
  });

  it('rejects at once when the signal is already aborted', async () => {
    const clock = manualClock(0);
    const limiter = createRateLimiter({ clock, qps: 1 });
    await expect(limiter.acquire('a', AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
    const granted = acquireMany(limiter, clock, 'a', 1);
    await settle();
    expect(granted).toHaveLength(1);
  });
});
