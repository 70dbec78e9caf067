/**
 * Environment → one frozen, validated {@link Config}, in named steps (STYLE.md §6): read the raw variables,
 * parse each on its own, fail naming every bad one, derive what depends on others, resolve the secret key,
 * warn about unsafe defaults, freeze.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { AppError } from '../core/index.ts';
import { configOptions, parseSecretKey, type ConfigOption, type LogLevel } from './config-schema.ts';
import { SecretKey } from './secret-key.ts';

/** Everything Dingbridge reads from its environment, parsed and frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute http(s) URL without a trailing slash. */
  readonly publicUrl: string;
  /** Absolute path. */
  readonly dataDir: string;
  /** PostgreSQL connection URL; `undefined` means the embedded PGlite under `dataDir/pglite`. */
  readonly databaseUrl: string | undefined;
  readonly secretKey: SecretKey;
  readonly logLevel: LogLevel;
  readonly dingtalkQps: number;
}

export interface LoadConfigOptions {
  /** Directory relative paths are resolved against; defaults to `process.cwd()`. */
  cwd?: string;
  /** Receives each warning about an unsafe setting or a generated key, once per load. Defaults to `console.warn`. */
  onWarning?: (message: string) => void;
}

/** The name of the generated key file inside DATA_DIR. */
export const SECRET_KEY_FILE = 'secret.key';

type Env = Readonly<Record<string, string | undefined>>;

interface Problem {
  variable: string;
  expected: string;
  got?: string;
}

/**
 * Parses the environment into a frozen {@link Config}, or throws an AppError `config.invalid` whose message names
 * every bad variable and what it expects. In embedded mode without `DINGBRIDGE_SECRET_KEY` it reads — or creates,
 * mode 0600 — `DATA_DIR/secret.key`; that is its only side effect.
 *
 * @example
 * const config = loadConfig();                                   // process.env
 * const test = loadConfig({ DATA_DIR: tmp, PORT: '0' }, { onWarning: () => {} }); // throws: PORT must be …
 */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): Config {
  const warn = options.onWarning ?? ((message: string) => console.warn(`dingbridge: ${message}`));
  const cwd = options.cwd ?? process.cwd();

  const problems: Problem[] = [];
  const value = <T>(option: ConfigOption<T>): T | undefined => parseOption(option, env, problems);
  const port = value(configOptions.PORT);
  const host = value(configOptions.HOST);
  const publicUrl = value(configOptions.PUBLIC_URL);
  const dataDir = value(configOptions.DATA_DIR);
  const databaseUrl = value(configOptions.DATABASE_URL);
  const envKey = value(configOptions.DINGBRIDGE_SECRET_KEY);
  const logLevel = value(configOptions.LOG_LEVEL);
  const dingtalkQps = value(configOptions.DINGTALK_QPS);
  const keyNamed = problems.some((p) => p.variable === 'DINGBRIDGE_SECRET_KEY');
  if (databaseUrl !== undefined && envKey === undefined && !keyNamed) {
    problems.push({
      variable: 'DINGBRIDGE_SECRET_KEY',
      expected:
        `${configOptions.DINGBRIDGE_SECRET_KEY.expected}; it is required when DATABASE_URL is set, ` +
        'because every replica must decrypt the same secrets',
    });
  }
  if (problems.length > 0) throw invalid(problems);
  // Every option without a `whenUnset` has a fallback, so these are defined once no problem was found.
  const resolvedPort = port!;
  const resolvedDataDir = isAbsolute(dataDir!) ? dataDir! : resolve(cwd, dataDir!);

  const secretKey = envKey
    ? new SecretKey(envKey, 'env')
    : readOrGenerateKeyFile(resolvedDataDir, warn);
  if (envKey && databaseUrl === undefined) warnIfKeyFileDiffers(resolvedDataDir, secretKey, warn);

  const config: Config = {
    port: resolvedPort,
    host: host!,
    publicUrl: publicUrl ?? `http://localhost:${resolvedPort}`,
    dataDir: resolvedDataDir,
    databaseUrl,
    secretKey,
    logLevel: logLevel!,
    dingtalkQps: dingtalkQps!,
  };
  warnAboutUnsafeSettings(config, publicUrl === undefined, warn);
  return Object.freeze(config);
}

/**
 * A Config as it may be logged: the database password masked (the secret key already prints as its fingerprint).
 *
 * @example
 * logger.info({ config: describeConfig(config) }, 'starting');
 */
export function describeConfig(config: Config): Record<string, unknown> {
  let databaseUrl: string | undefined;
  if (config.databaseUrl !== undefined) {
    const url = new URL(config.databaseUrl);
    if (url.password) url.password = '***';
    databaseUrl = url.toString();
  }
  return { ...config, databaseUrl, secretKey: config.secretKey.toString() };
}

function parseOption<T>(option: ConfigOption<T>, env: Env, problems: Problem[]): T | undefined {
  // An empty variable counts as unset: `FOO=` is how docker-compose and systemd files leave a value out.
  const raw = env[option.name]?.trim() || option.fallback;
  if (raw === undefined) return undefined;
  const result = option.schema.safeParse(raw);
  if (result.success) return result.data;
  problems.push({ variable: option.name, expected: option.expected, ...(option.echo ? { got: raw } : {}) });
  return undefined;
}

function invalid(problems: Problem[]): AppError {
  const sentences = problems.map(
    (p) => `${p.variable} must be ${p.expected}${p.got === undefined ? '' : ` (got ${JSON.stringify(p.got)})`}`,
  );
  return new AppError('config.invalid', `Invalid configuration: ${sentences.join('; ')}.`, {
    status: 400,
    details: { variables: problems.map((p) => ({ variable: p.variable, expected: p.expected })) },
  });
}

function keyFileProblem(path: string, expected: string): AppError {
  return invalid([{ variable: `DINGBRIDGE_SECRET_KEY (unset, so the key file ${path} is used)`, expected }]);
}

function readOrGenerateKeyFile(dataDir: string, warn: (message: string) => void): SecretKey {
  const path = join(dataDir, SECRET_KEY_FILE);
  const existing = readKeyFile(path);
  if (existing) {
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
      warn(`${path} can be read by other users of this machine; restrict it with \`chmod 600 ${path}\`.`);
    }
    return existing;
  }
  const bytes = randomBytes(32);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // `wx` fails if another process created the file since we looked; then its key is the one to use.
    writeFileSync(path, `${bytes.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(path)!;
    throw keyFileProblem(path, `a writable location for a generated key (${(error as Error).message})`);
  }
  warn(
    `generated a new secret key in ${path} (mode 0600). It encrypts the stored DingTalk secrets: back it up, ` +
      'or set DINGBRIDGE_SECRET_KEY to manage the key yourself.',
  );
  return new SecretKey(bytes, 'generated');
}

function readKeyFile(path: string): SecretKey | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw keyFileProblem(path, `a readable file (${(error as Error).message})`);
  }
  const bytes = parseSecretKey(text);
  if (!bytes) throw keyFileProblem(path, `a file holding ${configOptions.DINGBRIDGE_SECRET_KEY.expected}`);
  return new SecretKey(bytes, 'file');
}

function warnIfKeyFileDiffers(dataDir: string, key: SecretKey, warn: (message: string) => void): void {
  const path = join(dataDir, SECRET_KEY_FILE);
  let fileKey: SecretKey | undefined;
  try {
    fileKey = readKeyFile(path);
  } catch {
    return; // An unreadable file does not matter while the environment provides the key.
  }
  if (fileKey && !fileKey.equals(key)) {
    warn(
      `DINGBRIDGE_SECRET_KEY (${key.fingerprint}) differs from the key in ${path} (${fileKey.fingerprint}); ` +
        'secrets stored under the file key cannot be decrypted.',
    );
  }
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

function warnAboutUnsafeSettings(config: Config, publicUrlDefaulted: boolean, warn: (message: string) => void): void {
  const publicHost = new URL(config.publicUrl).hostname;
  if (config.publicUrl.startsWith('http:') && !LOOPBACK.test(publicHost)) {
    warn(
      `PUBLIC_URL ${config.publicUrl} is plain http on a non-local host: sessions and OAuth codes would travel ` +
        'unencrypted. Put Dingbridge behind HTTPS and set PUBLIC_URL to the https:// address.',
    );
  }
  if (publicUrlDefaulted && !LOOPBACK.test(config.host)) {
    warn(
      `HOST is ${config.host} but PUBLIC_URL is unset, so callback and sign-in URLs point at ${config.publicUrl}, ` +
        'which nobody else can reach. Set PUBLIC_URL to the address people and DingTalk use.',
    );
  }
}
