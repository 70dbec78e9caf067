/**
 * `client.auth.verifyCorp` against the emulator over HTTP: the corp-token endpoint of §1.3 (the bindings area's
 * CorpId check).
 */
import { describe, expect, it } from 'vitest';
import { createDingTalkClient } from '../../src/dingtalk/index.ts';
import { useEmulator } from '../support/emulator.ts';

const emulator = useEmulator({ seed: 'verify-corp', users: 20 });

describe('auth.verifyCorp against the emulator', () => {
  const client = (appSecret = emulator.appSecret) =>
    createDingTalkClient({ credentials: { appKey: emulator.appKey, appSecret }, apiBase: emulator.url });

  it('answers ok for the app’s own organization', async () => {
    expect(await client().auth.verifyCorp(emulator.corpId)).toBe('ok');
  });

  it('answers mismatch for another organization (401 unauthorized.client)', async () => {
    expect(await client().auth.verifyCorp('dingnotthisorg')).toBe('mismatch');
  });

  it('answers mismatch for bad credentials too (400 invalid.client), which is why callers check credentials first', async () => {
    expect(await client('wrong-secret').auth.verifyCorp(emulator.corpId)).toBe('mismatch');
  });
});
