/**
 * What every DingTalk call passes before its handler, in both API families: it is counted, held to the app's QPS
 * window for its API (§6.3), and then to any injected fault. The families only differ in how they spell the
 * outcome (oapi 90018 with HTTP 200, api HTTP 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`).
 */
import type { EmulatorContext } from './emulator-context.ts';

export type GateOutcome = { kind: 'pass' } | { kind: 'throttled' } | { kind: 'error'; errcode: number };

/**
 * Records the call of `api` and decides whether it may proceed. `appKey` is the calling app when known (a valid
 * token or known credentials); calls that cannot be tied to an app are counted but not rate-limited.
 */
export async function admitCall(context: EmulatorContext, api: string, appKey: string | undefined): Promise<GateOutcome> {
  if (appKey !== undefined && !context.rates.tryAcquire(appKey, api, context.clock.now())) {
    context.calls.recordThrottled(api);
    return { kind: 'throttled' };
  }
  const fault = await context.faults.decide(api);
  if (fault.kind === 'throttle') {
    context.calls.recordThrottled(api);
    return { kind: 'throttled' };
  }
  return fault.kind === 'error' ? fault : { kind: 'pass' };
}
