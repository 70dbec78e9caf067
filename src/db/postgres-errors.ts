/**
 * The edge where PostgreSQL (and PGlite) errors become AppErrors (STYLE.md §5): by SQLSTATE, plus the driver's
 * own connection failures, in one table. Call sites never inspect SQLSTATEs themselves.
 *
 * Every translated error carries `details.sqlstate` (when there is one) and `details.retryable`: whether running
 * the same transaction again may succeed (serialization failures, deadlocks, lost connections), which is what a
 * retry policy (STYLE.md §9) keys on.
 */
import { AppError } from '../core/index.ts';

interface Translation {
  code: string;
  status: number;
  retryable: boolean;
  expose: boolean;
  message: (facts: Facts) => string;
}

interface Facts {
  sqlstate?: string;
  constraint?: string;
  table?: string;
  message: string;
}

const constraintNote = (facts: Facts): string => (facts.constraint ? ` (constraint ${facts.constraint})` : '');

/** Shown to callers unless it is a 500: those mean a bug or an internal detail. */
function translation(code: string, status: number, retryable: boolean, message: Translation['message']): Translation {
  return { code, status, retryable, expose: status < 500, message };
}

const unavailable = translation('db.unavailable', 503, true, (f) => `The database is unavailable: ${f.message}`);
/** Wrong credentials or database name: the server answers, but retrying will not help until the URL is fixed. */
const misconfigured = { ...unavailable, retryable: false };
const reference = translation(
  'db.reference',
  409,
  false,
  (f) => `The change refers to a missing record, or removes one still referred to${constraintNote(f)}.`,
);
/** Invalid values reaching the database mean validation upstream missed them: a bug, not the caller's fault. */
const invalidValue = translation(
  'db.invalid',
  500,
  false,
  (f) => `The database rejected a value${constraintNote(f)}: ${f.message}`,
);
const retrySerialization = translation(
  'db.serialization',
  503,
  true,
  () => 'The transaction conflicted with a concurrent one; try again.',
);
const timedOut = translation('db.timeout', 503, true, () => 'The statement or a lock it needed timed out; try again.');
/** Any other SQLSTATE: a database error worth logging, not worth showing. */
const genericDatabaseError = translation(
  'db.error',
  500,
  false,
  (f) => `Database error ${f.sqlstate ?? ''}: ${f.message}`,
);

/** SQLSTATE (or its two-character class) → translation. Exact codes are looked up before classes. */
const BY_SQLSTATE: Readonly<Record<string, Translation>> = {
  '23505': translation(
    'db.conflict',
    409,
    false,
    (f) => `A record with the same unique value already exists${constraintNote(f)}.`,
  ),
  '23503': reference, // foreign_key_violation
  '23001': reference, // restrict_violation: an ON DELETE RESTRICT reference still points at the row
  '23502': invalidValue, // not_null_violation
  '23514': invalidValue, // check_violation
  '22P02': invalidValue, // invalid_text_representation (a malformed uuid, say)
  '22001': invalidValue, // string_data_right_truncation
  '22003': invalidValue, // numeric_value_out_of_range
  '22007': invalidValue, // invalid_datetime_format
  '22008': invalidValue, // datetime_field_overflow
  '40001': retrySerialization, // serialization_failure
  '40P01': retrySerialization, // deadlock_detected
  '55P03': timedOut, // lock_not_available
  '57014': timedOut, // query_canceled (statement_timeout)
  '57P01': unavailable, // admin_shutdown
  '57P02': unavailable, // crash_shutdown
  '57P03': unavailable, // cannot_connect_now (starting up, in recovery)
  '08': unavailable, // connection_exception class
  '53': unavailable, // insufficient_resources class (too many connections, disk full, out of memory)
  '28': misconfigured, // invalid_authorization_specification class
  '3D000': misconfigured, // invalid_catalog_name: the database does not exist
};

/** Node socket errors meaning the server cannot be reached. */
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
]);

/** Messages node-postgres and PGlite throw, without a code, when the connection is gone. */
const CONNECTION_LOST = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error/,
  /Cannot use a pool after calling end/,
  /PGlite is closed/,
];

/**
 * Turns a database error into an AppError; returns anything that is not a database error (a TypeError, an
 * AppError already) unchanged, so programmer errors stay what they are.
 *
 * @example
 * try { await db.insertInto('accounts').values(row).execute(); }
 * catch (error) { throw translatePostgresError(error); }
 * // → AppError 'db.conflict', details.constraint 'accounts_username_key'
 */
export function translatePostgresError(error: unknown): unknown {
  if (error instanceof AppError || !(error instanceof Error)) return error;
  const facts = factsOf(error);
  const translation = translationFor(error, facts);
  if (!translation) return error;
  return new AppError(translation.code, translation.message(facts), {
    status: translation.status,
    expose: translation.expose,
    cause: error,
    details: {
      ...(facts.sqlstate ? { sqlstate: facts.sqlstate } : {}),
      ...(facts.constraint ? { constraint: facts.constraint } : {}),
      ...(facts.table ? { table: facts.table } : {}),
      retryable: translation.retryable,
    },
  });
}

/** Whether `error` (translated or not) is worth retrying the whole transaction for. */
export function isRetryableDatabaseError(error: unknown): boolean {
  const translated = translatePostgresError(error);
  return translated instanceof AppError && translated.details.retryable === true;
}

function factsOf(error: Error): Facts {
  const fields = error as Error & { code?: unknown; constraint?: unknown; table?: unknown };
  const sqlstate = typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : undefined;
  return {
    ...(sqlstate ? { sqlstate } : {}),
    ...(typeof fields.constraint === 'string' ? { constraint: fields.constraint } : {}),
    ...(typeof fields.table === 'string' ? { table: fields.table } : {}),
    message: error.message || (error instanceof AggregateError ? String(error.errors[0]) : error.name),
  };
}

function translationFor(error: Error, facts: Facts): Translation | undefined {
  if (facts.sqlstate) {
    return BY_SQLSTATE[facts.sqlstate] ?? BY_SQLSTATE[facts.sqlstate.slice(0, 2)] ?? genericDatabaseError;
  }
  if (isNetworkError(error) || CONNECTION_LOST.some((pattern) => pattern.test(error.message))) return unavailable;
  return undefined;
}

function isNetworkError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_ERRNOS.has(code)) return true;
  // Node tries every address of a host name (IPv6 and IPv4) and reports all failures together.
  return (
    error instanceof AggregateError && error.errors.some((inner) => inner instanceof Error && isNetworkError(inner))
  );
}
