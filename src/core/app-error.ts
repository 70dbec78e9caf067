/**
 * One error vocabulary for the whole of Dingbridge (STYLE.md §5).
 *
 * Every failure that reaches a user carries a stable `code` (`dingtalk.rate_limited`, `binding.corp_id_taken`, …),
 * the HTTP status the admin API answers with, and whether its message is safe to show. Errors from DingTalk,
 * PostgreSQL and libraries are translated into these in one edge module per source, never at call sites.
 *
 * @example
 * throw new AppError('binding.not_found', `No binding with id ${id}. List them with \`dingbridge bindings list\`.`, { status: 404 });
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  /** Whether `message` may be shown to the caller as it is (it names no secret and no internal detail). */
  readonly expose: boolean;
  /** Structured facts for logs and API bodies (never secrets). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options: { status?: number; expose?: boolean; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 500;
    this.expose = options.expose ?? this.status < 500;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  /** The JSON body the admin API and `--json` CLI output use for this error. */
  toJSON(): { code: string; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.expose ? this.message : 'Internal error', details: this.details };
  }
}

/** True when `error` is an {@link AppError}, optionally with one of the given codes. */
export function isAppError(error: unknown, ...codes: string[]): error is AppError {
  return error instanceof AppError && (codes.length === 0 || codes.includes(error.code));
}
