import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/index.ts';
import { createTokenCache, type IssuedToken } from './token-cache.ts';

/** An issuer whose answers the test releases one by one. */
function controlledIssuer() {
  const pending: { resolve: (token: IssuedToken) => void; reject: (error: Error) => void }[] = [];
  return {
    issue: () => new Promise<IssuedToken>((resolve, reject) => pending.push({ resolve, reject })),
    pending,
  };
}

describe('token cache', () => {
  it('lets one waiter give up while the refresh runs on for the others', async () => {
    const issuer = controlledIssuer();
    const tokens = createTokenCache({ clock: manualClock(0), refreshMarginMs: 600_000, issue: issuer.issue });
    const controller = new AbortController();
    const impatient = tokens.get(controller.signal);
    const patient = tokens.get();
    controller.abort(new Error('request cancelled'));
    await expect(impatient).rejects.toThrow('request cancelled');

    issuer.pending[0]!.resolve({ token: 't1', expiresInSeconds: 7200 });
    await expect(patient).resolves.toBe('t1');
    expect(issuer.pending).toHaveLength(1);
  });

  it('fails every waiter of a failed refresh, and tries again on the next get', async () => {
    const issuer = controlledIssuer();
    const tokens = createTokenCache({ clock: manualClock(0), refreshMarginMs: 600_000, issue: issuer.issue });
    const waiters = [tokens.get(), tokens.get()];
    issuer.pending[0]!.reject(new Error('DingTalk down'));
    for (const waiter of waiters) await expect(waiter).rejects.toThrow('DingTalk down');

    const again = tokens.get();
    expect(issuer.pending).toHaveLength(2);
    issuer.pending[1]!.resolve({ token: 't2', expiresInSeconds: 7200 });
    await expect(again).resolves.toBe('t2');
  });

  it('ignores the invalidation of a token that is no longer the cached one', async () => {
    const issuer = controlledIssuer();
    const tokens = createTokenCache({ clock: manualClock(0), refreshMarginMs: 600_000, issue: issuer.issue });
    const first = tokens.get();
    issuer.pending[0]!.resolve({ token: 't1', expiresInSeconds: 7200 });
    await first;
    tokens.invalidate('t0');
    await expect(tokens.get()).resolves.toBe('t1');
    tokens.invalidate('t1');
    const second = tokens.get();
    issuer.pending[1]!.resolve({ token: 't2', expiresInSeconds: 7200 });
    await expect(second).resolves.toBe('t2');
    expect(issuer.pending).toHaveLength(2);
  });
});
