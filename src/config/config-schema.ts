/**
 * Every environment variable Dingbridge reads, with its default and meaning, in one place (STYLE.md §6).
 *
 * Each option parses its raw string with zod on its own, so a bad value is reported under its own name with
 * what was expected. `load-config.ts` composes the parsed values into the frozen {@link Config}; the README's
 * table is generated from this list by {@link renderConfigTable}, so the two cannot drift apart.
 */
import { z } from 'zod';

/** One environment variable: how it is parsed and how it is documented. */
export interface ConfigOption<T> {
  readonly name: string;
  /** The value used when the variable is unset or empty, parsed like one that was set. */
  readonly fallback?: string;
  /** What happens when unset, for options without a plain {@link fallback} (shown in the README). */
  readonly whenUnset?: string;
  /** What the value must look like, used in the error message when it does not. */
  readonly expected: string;
  readonly description: string;
  /** Whether the raw value may be echoed in an error message (never for keys or URLs with passwords). */
  readonly echo: boolean;
  readonly schema: z.ZodType<T, string>;
}

function option<T>(spec: ConfigOption<T>): ConfigOption<T> {
  return spec;
}

const decimalInteger = z.string().regex(/^\d+$/).transform(Number);

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The 32-byte key for secrets at rest, as 64 hex digits or base64 (standard or URL-safe, padding optional).
 * Hex is tried first: 64 hex digits are also valid base64, but would decode to 48 bytes and be rejected.
 */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

/** The options, in the order the README lists them. */
export const configOptions = {
  PORT: option({
    name: 'PORT',
    fallback: '8080',
    expected: 'an integer from 0 to 65535',
    description:
      'TCP port of the HTTP server (admin console, API, DingTalk callbacks). 0 picks a free port (tests, one-off ' +
      'runs); the CLI finds it in `DATA_DIR/server.json`. Set `PUBLIC_URL` too when DingTalk must reach it.',
    echo: true,
    schema: decimalInteger.pipe(z.number().int().min(0).max(65_535)),
  }),
  HOST: option({
    name: 'HOST',
    fallback: '127.0.0.1',
    expected: 'a host name or IP address to listen on, such as 127.0.0.1, 0.0.0.0 or ::',
    description:
      'Address the HTTP server listens on. Loopback by default, so a first run exposes nothing; set `0.0.0.0` ' +
      '(or `::`) in a container or behind a reverse proxy on another host.',
    echo: true,
    schema: z.string().regex(/^[A-Za-z0-9.:[\]-]+$/),
  }),
  PUBLIC_URL: option({
    name: 'PUBLIC_URL',
    whenUnset: '`http://localhost:<PORT>`',
    expected: 'an absolute http:// or https:// URL without query or fragment, such as https://idp.example.com',
    description:
      'The URL people and DingTalk reach this server at: callback URLs, OAuth redirect URIs and the OIDC issuer ' +
      'are derived from it. A path prefix is kept (for a reverse proxy that mounts Dingbridge under a path).',
    echo: true,
    schema: z
      .string()
      .refine((text) => {
        try {
          const url = new URL(text);
          return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
        } catch {
          return false;
        }
      })
      .transform((text) => {
        const url = new URL(text);
        return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
      }),
  }),
  DATA_DIR: option({
    name: 'DATA_DIR',
    fallback: './data',
    expected: 'a directory path (relative paths are resolved against the working directory)',
    description:
      'Where Dingbridge keeps local state: the embedded database (`pglite/`), the generated secret key ' +
      '(`secret.key`) and the file the CLI uses to find a running server.',
    echo: true,
    schema: z.string().min(1),
  }),
  DATABASE_URL: option({
    name: 'DATABASE_URL',
    whenUnset: 'unset: embedded PGlite under `DATA_DIR/pglite`',
    expected: 'a postgres:// or postgresql:// connection URL',
    description:
      'PostgreSQL to use instead of the embedded database; required for several replicas. Jobs (pg-boss) live in ' +
      'the same database, in the `pgboss` schema.',
    echo: false,
    schema: z.string().refine((text) => {
      try {
        const url = new URL(text);
        return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
      } catch {
        return false;
      }
    }),
  }),
  DINGBRIDGE_SECRET_KEY: option({
    name: 'DINGBRIDGE_SECRET_KEY',
    whenUnset: 'unset: embedded mode generates `DATA_DIR/secret.key`; with `DATABASE_URL`, an error',
    expected:
      'a 32-byte key as 64 hex digits or 44 base64 characters (generate one with `openssl rand -base64 32`)',
    description:
      'Key that encrypts secrets at rest (AppSecrets, callback AES keys, client secrets) with AES-256-GCM. ' +
      'Required with `DATABASE_URL`, because every replica must hold the same key. Losing it makes stored ' +
      'secrets unreadable: back it up.',
    echo: false,
    schema: z.string().transform((text, context) => {
      const key = parseSecretKey(text);
      if (!key) {
        context.addIssue({ code: 'custom', message: 'not a 32-byte key' });
        return z.NEVER;
      }
      return key;
    }),
  }),
  LOG_LEVEL: option({
    name: 'LOG_LEVEL',
    fallback: 'info',
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    description: 'Least severe log level written (pino levels).',
    echo: true,
    schema: z.enum(LOG_LEVELS),
  }),
  DINGTALK_QPS: option({
    name: 'DINGTALK_QPS',
    fallback: '20',
    expected: 'a number greater than 0 and at most 1000',
    description:
      "Calls per second allowed per DingTalk API and app. DingTalk's standard limit is 20 per app per API " +
      '(dingtalk-api.md §6.3); raise it only with the paid add-on (60) or against the emulator.',
    echo: true,
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number)
      .pipe(z.number().gt(0).max(1000)),
  }),
} as const;

export type ConfigVariable = keyof typeof configOptions;

/**
 * The options as a Markdown table, for the README (STYLE.md §6: documented in one place).
 *
 * @example
 * console.log(renderConfigTable()); // | Variable | Default | Meaning |\n|---|---|---|\n| `PORT` | `8080` | … |
 */
export function renderConfigTable(): string {
  const rows = Object.values(configOptions).map((entry: ConfigOption<unknown>) => {
    const unset = entry.fallback === undefined ? (entry.whenUnset ?? '') : `\`${entry.fallback}\``;
    return `| \`${entry.name}\` | ${unset} | ${entry.description} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
