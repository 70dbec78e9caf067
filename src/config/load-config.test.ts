import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { describeConfig, loadConfig, renderConfigTable, configOptions, SECRET_KEY_FILE } from './index.ts';

const HEX_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const BASE64_KEY = Buffer.from(HEX_KEY, 'hex').toString('base64');

let dir: string;
let warnings: string[];
const load = (env: Record<string, string | undefined>) =>
  loadConfig({ DATA_DIR: dir, ...env }, { cwd: dir, onWarning: (m) => warnings.push(m) });

function failure(env: Record<string, string | undefined>) {
  try {
    load(env);
  } catch (error) {
    if (isAppError(error, 'config.invalid')) return error;
    throw error;
  }
  throw new Error('expected config.invalid');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dingbridge-config-'));
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:8080',
      dataDir: dir,
      databaseUrl: undefined,
      logLevel: 'info',
      dingtalkQps: 20,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives PUBLIC_URL from PORT, strips its trailing slash and resolves DATA_DIR', () => {
    expect(load({ PORT: '9090' }).publicUrl).toBe('http://localhost:9090');
    expect(load({ PUBLIC_URL: 'https://idp.example.com/dingbridge/' }).publicUrl).toBe(
      'https://idp.example.com/dingbridge',
    );
    expect(load({ DATA_DIR: 'state' }).dataDir).toBe(join(dir, 'state'));
  });

  it('treats empty variables as unset', () => {
    expect(load({ PORT: '', LOG_LEVEL: ' ' }).port).toBe(8080);
  });

  it.each([
    ['PORT', '65536', 'an integer from 0 to 65535'],
    ['PORT', 'http', 'an integer from 0 to 65535'],
    ['HOST', 'not a host', 'a host name or IP address'],
    ['PUBLIC_URL', 'ftp://example.com', 'an absolute http:// or https:// URL'],
    ['PUBLIC_URL', 'https://example.com/?x=1', 'without query or fragment'],
    ['DATABASE_URL', 'mysql://localhost/db', 'a postgres:// or postgresql:// connection URL'],
    ['DINGBRIDGE_SECRET_KEY', 'too-short', 'a 32-byte key'],
    ['LOG_LEVEL', 'verbose', 'one of fatal, error'],
    ['DINGTALK_QPS', '0', 'a number greater than 0'],
    ['DINGTALK_QPS', 'fast', 'a number greater than 0'],
  ])('names %s when it is %j', (variable, value, expected) => {
    const error = failure({ DINGBRIDGE_SECRET_KEY: HEX_KEY, [variable]: value });
    expect(error.message).toContain(`${variable} must be`);
    expect(error.message).toContain(expected);
    expect(error.details.variables).toEqual([expect.objectContaining({ variable })]);
  });

  it('names every bad variable at once and never echoes secrets', () => {
    const error = failure({ PORT: 'x', DATABASE_URL: 'mysql://u:hunter2@h/db', DINGBRIDGE_SECRET_KEY: 'hunter2' });
    expect(error.message).toMatch(/PORT must be .*DATABASE_URL must be .*DINGBRIDGE_SECRET_KEY must be/);
    expect(error.message).not.toContain('hunter2');
    expect(error.status).toBe(400);
  });

  it('requires DINGBRIDGE_SECRET_KEY with DATABASE_URL, because replicas must share it', () => {
    const error = failure({ DATABASE_URL: 'postgres://db/dingbridge' });
    expect(error.message).toContain('DINGBRIDGE_SECRET_KEY must be');
    expect(error.message).toContain('required when DATABASE_URL is set');
  });

  it('accepts the key as hex and as base64, with the same fingerprint', () => {
    const hex = load({ DINGBRIDGE_SECRET_KEY: HEX_KEY, DATABASE_URL: 'postgresql://db/x' }).secretKey;
    const b64 = load({ DINGBRIDGE_SECRET_KEY: BASE64_KEY }).secretKey;
    expect(hex.equals(b64)).toBe(true);
    expect(hex.fingerprint).toBe(b64.fingerprint);
    expect(hex.source).toBe('env');
  });

  it('generates the embedded key once, mode 0600, warning only when it does', () => {
    const first = load({});
    const path = join(dir, SECRET_KEY_FILE);
    expect(first.secretKey.source).toBe('generated');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([expect.stringContaining('generated a new secret key')]);

    warnings = [];
    const second = load({});
    expect(second.secretKey.source).toBe('file');
    expect(second.secretKey.equals(first.secretKey)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('warns when the key file is readable by others', () => {
    load({});
    chmodSync(join(dir, SECRET_KEY_FILE), 0o644);
    warnings = [];
    load({});
    expect(warnings).toEqual([expect.stringContaining('chmod 600')]);
  });

  it('names the key file when it holds no key', () => {
    writeFileSync(join(dir, SECRET_KEY_FILE), 'garbage\n');
    const error = failure({});
    expect(error.message).toContain(SECRET_KEY_FILE);
  });

  it('warns once when the environment key differs from the key file', () => {
    load({});
    warnings = [];
    load({ DINGBRIDGE_SECRET_KEY: HEX_KEY });
    expect(warnings).toEqual([expect.stringContaining('differs from the key in')]);
  });

  it('warns about plain-http public URLs and an unreachable default PUBLIC_URL', () => {
    load({ DINGBRIDGE_SECRET_KEY: HEX_KEY, PUBLIC_URL: 'http://idp.example.com' });
    expect(warnings).toEqual([expect.stringContaining('plain http on a non-local host')]);
    warnings = [];
    load({ DINGBRIDGE_SECRET_KEY: HEX_KEY, HOST: '0.0.0.0' });
    expect(warnings).toEqual([expect.stringContaining('PUBLIC_URL is unset')]);
  });

  it('never prints the key or the database password', () => {
    const config = load({ DINGBRIDGE_SECRET_KEY: HEX_KEY, DATABASE_URL: 'postgres://app:hunter2@db/x' });
    const printed = [JSON.stringify(config), inspect(config), JSON.stringify(describeConfig(config))].join('\n');
    expect(printed).not.toContain(HEX_KEY);
    expect(printed).not.toContain(BASE64_KEY);
    expect(JSON.stringify(describeConfig(config))).not.toContain('hunter2');
  });
});

describe('renderConfigTable', () => {
  it('lists every option with its default', () => {
    const table = renderConfigTable();
    for (const option of Object.values(configOptions)) expect(table).toContain(`| \`${option.name}\` |`);
    expect(table).toContain('| `PORT` | `8080` |');
    expect(table).toContain('| `PUBLIC_URL` | `http://localhost:<PORT>` |');
  });
});

describe('docs/configuration.md', () => {
  it('holds the current table of options (regenerate it from renderConfigTable() when this fails)', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(doc).toContain(renderConfigTable());
  });
});
