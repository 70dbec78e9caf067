import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/index.ts';
import { createCallbackCrypto } from './callback-crypto.ts';
import { isDingTalkError } from './dingtalk-errors.ts';

// The four published vectors of dingtalk-api.md §7.6, copied verbatim.
const vectors = [
  {
    name: 'V1 (doc FAQ, a reply map)',
    token: '123456',
    aesKey: '1234567890123456789012345678901234567890123',
    ownerKey: 'dingsnotzck6pm5veliw',
    signature: '9a95a004dd16f5c307e849b994173f76aa26e5eb',
    timestamp: '1614767836',
    nonce: 'A7Co0cJLMzIDtMMI',
    encrypt: 'YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA==',
    plaintext: 'success',
  },
  {
    name: 'V2 (DingCallbackCrypto3.py)',
    token: 'mryue',
    aesKey: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
    ownerKey: 'ding6ccabc44d2c8d38b',
    signature: '03044561471240d4a14bb09372dfcfd4fd0e40cb',
    timestamp: '1608001896814',
    nonce: 'WL4PK6yA',
    encrypt:
      '0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3',
    plaintext: '{"EventType":"check_url"}',
  },
  {
    name: 'V3 (DingTalkCrypto.go)',
    token: 'tokenxxxx',
    aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus',
    ownerKey: 'dingxxxxxx',
    signature: 'f36f4ba5337d426c7d4bca0dbcb06b3ddc1388fc',
    timestamp: '1605695694141',
    nonce: 'WelUQl6bCqcBa2fM',
    encrypt: 'X1VSe9cTJUMZu60d3kyLYTrBq5578ZRJtteU94wG0Q4Uk6E/wQYeJRIC0/UFW5Wkya1Ihz9oXAdLlyC9TRaqsQ==',
    plaintext: 'success',
  },
  {
    name: 'V4 (dingtalk_callback_crypto.rs, ISV)',
    token: '123456',
    aesKey: '4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij',
    ownerKey: 'suite4xxxxxxxxxxxxxxx',
    signature: '5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0',
    timestamp: '1445827045067',
    nonce: 'nEXhMP4r',
    encrypt:
      '1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==',
    plaintext: '{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite4xxxxxxxxxxxxxxx"}',
  },
];

describe('callback crypto against the published vectors (§7.6)', () => {
  for (const v of vectors) {
    describe(v.name, () => {
      const crypto = createCallbackCrypto({ token: v.token, aesKey: v.aesKey, ownerKey: v.ownerKey });

      it('computes the published signature', () => {
        expect(crypto.sign(v.timestamp, v.nonce, v.encrypt)).toBe(v.signature);
      });

      it('decrypts to the published plaintext and owner key', () => {
        expect(crypto.decrypt(v.encrypt)).toEqual({ msg: v.plaintext, ownerKey: v.ownerKey });
      });

      it('verifies the push with msg_signature/timestamp and with signature/timeStamp', () => {
        const body = { encrypt: v.encrypt };
        const current = { msg_signature: v.signature, timestamp: v.timestamp, nonce: v.nonce };
        const legacy = { signature: v.signature, timeStamp: v.timestamp, nonce: v.nonce };
        expect(crypto.verify(current, body).msg).toBe(v.plaintext);
        expect(crypto.verify(legacy, body)).toEqual({ msg: v.plaintext, timestamp: v.timestamp, nonce: v.nonce });
      });

      it('refuses the same ciphertext for another owner key (900010)', () => {
        const other = createCallbackCrypto({ token: v.token, aesKey: v.aesKey, ownerKey: `${v.ownerKey}x` });
        expect(() => other.decrypt(v.encrypt)).toThrow(
          expect.objectContaining({ code: 'dingtalk.callback_owner_key_mismatch' }),
        );
      });
    });
  }

  it('(a) re-encrypting V1 with its recovered random prefix reproduces the ciphertext byte for byte', () => {
    const v = vectors[0]!;
    // Recover the 16 random bytes independently: they are the first AES block of the plaintext.
    const key = Buffer.from(`${v.aesKey}=`, 'base64');
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const random = decipher.update(Buffer.from(v.encrypt, 'base64')).subarray(0, 16).toString('latin1');
    expect(random).toBe('dICkEDLj0eb6yAbc'); // as §7.6 reports
    const crypto = createCallbackCrypto({ token: v.token, aesKey: v.aesKey, ownerKey: v.ownerKey });
    expect(crypto.encrypt(v.plaintext, { random })).toBe(v.encrypt);
  });
});

describe('callback crypto behaviour', () => {
  const v = vectors[1]!;
  const crypto = createCallbackCrypto({
    token: v.token,
    aesKey: v.aesKey,
    ownerKey: v.ownerKey,
    clock: manualClock(1_700_000_000_000),
  });

  it('decrypts Base64 wrapped with newlines (Python encodebytes)', () => {
    const wrapped = v.encrypt.replace(/(.{76})/g, '$1\n');
    expect(wrapped).toContain('\n');
    expect(crypto.decrypt(wrapped).msg).toBe(v.plaintext);
  });

  it('round-trips any UTF-8 message with a fresh random prefix', () => {
    const msg = JSON.stringify({ EventType: 'user_add_org', userId: ['张三'], pad: 'x'.repeat(45) });
    const first = crypto.encrypt(msg);
    expect(crypto.decrypt(first).msg).toBe(msg);
    expect(crypto.encrypt(msg)).not.toBe(first);
  });

  it('builds the §7.4 success reply, which verifies as a push would', () => {
    const reply = crypto.replySuccess({ nonce: 'abcdefgh' });
    expect(Object.keys(reply).sort()).toEqual(['encrypt', 'msg_signature', 'nonce', 'timeStamp']);
    expect(reply.timeStamp).toBe('1700000000000');
    const query = { msg_signature: reply.msg_signature, timeStamp: reply.timeStamp, nonce: reply.nonce };
    expect(crypto.verify(query, { encrypt: reply.encrypt }).msg).toBe('success');
  });

  it('rejects a forged signature (900005) and a tampered body', () => {
    const query = { msg_signature: v.signature, timestamp: v.timestamp, nonce: v.nonce };
    expect(() => crypto.verify({ ...query, msg_signature: '0'.repeat(40) }, { encrypt: v.encrypt })).toThrow(
      expect.objectContaining({ code: 'dingtalk.callback_signature_mismatch' }),
    );
    expect(() => crypto.verify({ ...query, nonce: 'other' }, { encrypt: v.encrypt })).toThrow(
      expect.objectContaining({ code: 'dingtalk.callback_signature_mismatch' }),
    );
  });

  it('names what is missing from a push', () => {
    const attempt = (query: Record<string, string>, body: unknown): unknown => {
      try {
        crypto.verify(query, body);
      } catch (error) {
        return isDingTalkError(error) ? [error.code, error.details.errcode] : error;
      }
      return 'verified';
    };
    const full = { msg_signature: v.signature, timestamp: v.timestamp, nonce: v.nonce };
    expect(attempt({ ...full, timestamp: '' }, { encrypt: v.encrypt })).toEqual(['dingtalk.callback_bad_request', 900002]);
    expect(attempt({ msg_signature: v.signature, timestamp: v.timestamp }, { encrypt: v.encrypt })).toEqual([
      'dingtalk.callback_bad_request',
      900003,
    ]);
    expect(attempt(full, {})).toEqual(['dingtalk.callback_bad_request', 900001]);
    expect(attempt({ timestamp: v.timestamp, nonce: v.nonce }, { encrypt: v.encrypt })).toEqual([
      'dingtalk.callback_bad_request',
      900006,
    ]);
  });

  it('refuses an EncodingAESKey that is not 43 characters (900004)', () => {
    expect(() => createCallbackCrypto({ token: 't', aesKey: 'short', ownerKey: 'o' })).toThrow(
      expect.objectContaining({ code: 'dingtalk.callback_bad_aes_key', details: { api: 'callback', errcode: 900004 } }),
    );
  });

  it('refuses ciphertext that is not whole AES blocks (900008) or too short (900009)', () => {
    expect(() => crypto.decrypt('YWJj')).toThrow(expect.objectContaining({ code: 'dingtalk.callback_decrypt_failed' }));
    // The first block alone decrypts to the 16 random letters: its last byte is no padding value, and 16 bytes
    // cannot hold random + length prefix.
    const oneBlock = Buffer.from(crypto.encrypt(''), 'base64').subarray(0, 16).toString('base64');
    expect(() => crypto.decrypt(oneBlock)).toThrow(
      expect.objectContaining({ code: 'dingtalk.callback_length_mismatch' }),
    );
  });
});
