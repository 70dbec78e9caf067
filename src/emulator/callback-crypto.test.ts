import { describe, expect, it } from 'vitest';
import { CallbackCryptoError, callbackSignature, decryptCallback, encryptCallback } from './callback-crypto.ts';

/** The four published vectors of §7.6. */
const VECTORS = [
  {
    name: 'V1 (doc FAQ reply map)',
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
    name: 'V2 (Python library, check_url)',
    token: 'mryue',
    aesKey: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
    ownerKey: 'ding6ccabc44d2c8d38b',
    signature: '03044561471240d4a14bb09372dfcfd4fd0e40cb',
    timestamp: '1608001896814',
    nonce: 'WL4PK6yA',
    encrypt: '0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3',
    plaintext: '{"EventType":"check_url"}',
  },
  {
    name: 'V3 (Go / C# libraries)',
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
    name: 'V4 (Rust library, ISV)',
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

describe('callback crypto (§7.3) against the published vectors (§7.6)', () => {
  for (const v of VECTORS) {
    it(`${v.name}: signature and decryption`, () => {
      expect(callbackSignature(v.token, v.timestamp, v.nonce, v.encrypt)).toBe(v.signature);
      expect(decryptCallback(v.aesKey, v.encrypt)).toEqual({ message: v.plaintext, ownerKey: v.ownerKey });
    });
  }

  it('re-encrypts V1 byte for byte with its recovered random prefix', () => {
    const v = VECTORS[0]!;
    expect(encryptCallback(v.aesKey, v.ownerKey, 'success', 'dICkEDLj0eb6yAbc')).toBe(v.encrypt);
  });

  it('round-trips any text, and decrypts Base64 wrapped with newlines (Python encodebytes)', () => {
    const aesKey = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';
    const message = JSON.stringify({ EventType: 'user_add_org', userId: ['张三', 'x'.repeat(300)] });
    const encrypt = encryptCallback(aesKey, 'dingcorp', message);
    expect(decryptCallback(aesKey, encrypt)).toEqual({ message, ownerKey: 'dingcorp' });
    expect(decryptCallback(aesKey, encrypt.replace(/(.{76})/g, '$1\n'))).toEqual({ message, ownerKey: 'dingcorp' });
  });

  it('reports garbage with the library codes instead of crashing', () => {
    const aesKey = VECTORS[0]!.aesKey;
    const code = (work: () => unknown): number | undefined => {
      try {
        work();
        return undefined;
      } catch (error) {
        return error instanceof CallbackCryptoError ? error.code : -1;
      }
    };
    expect(code(() => decryptCallback('short', 'AAAA'))).toBe(900004);
    expect(code(() => decryptCallback(aesKey, '%%%'))).toBe(900008);
    expect(code(() => decryptCallback(aesKey, 'AAAA'))).toBe(900008);
    expect(code(() => decryptCallback(aesKey, ''))).toBe(900008);
    expect(code(() => encryptCallback('bad', 'x', 'y'))).toBe(900004);
  });
});
