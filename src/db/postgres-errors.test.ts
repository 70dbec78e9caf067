import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.ts';
import { isRetryableDatabaseError, translatePostgresError } from './index.ts';

function databaseError(code: string, fields: Record<string, string> = {}): Error {
  return Object.assign(new Error(`error ${code}`), { code, ...fields });
}

describe('translatePostgresError', () => {
  it.each([
    ['23505', 'db.conflict', 409, false],
    ['23503', 'db.reference', 409, false],
    ['23001', 'db.reference', 409, false],
    ['23514', 'db.invalid', 500, false],
    ['40001', 'db.serialization', 503, true],
    ['40P01', 'db.serialization', 503, true],
    ['57014', 'db.timeout', 503, true],
    ['08006', 'db.unavailable', 503, true],
    ['53300', 'db.unavailable', 503, true],
    ['57P01', 'db.unavailable', 503, true],
    ['28P01', 'db.unavailable', 503, false],
    ['42P01', 'db.error', 500, false],
  ])('maps SQLSTATE %s to %s', (sqlstate, code, status, retryable) => {
    const translated = translatePostgresError(databaseError(sqlstate)) as AppError;
    expect(translated).toBeInstanceOf(AppError);
    expect(translated).toMatchObject({ code, status, details: { sqlstate, retryable } });
    expect(isRetryableDatabaseError(databaseError(sqlstate))).toBe(retryable);
  });

  it('names the constraint of a unique violation', () => {
    const translated = translatePostgresError(
      databaseError('23505', { constraint: 'bindings_corp_id_key', table: 'bindings' }),
    ) as AppError;
    expect(translated.message).toContain('bindings_corp_id_key');
    expect(translated.details).toMatchObject({ constraint: 'bindings_corp_id_key', table: 'bindings' });
  });

  it('maps lost connections without a SQLSTATE to db.unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    for (const error of [
      refused,
      new AggregateError([refused], ''),
      new Error('Connection terminated unexpectedly'),
      new Error('PGlite is closed'),
    ]) {
      expect(translatePostgresError(error)).toMatchObject({ code: 'db.unavailable', details: { retryable: true } });
    }
  });

  it('leaves programmer errors and AppErrors as they are', () => {
    const bug = new TypeError('x is undefined');
    const known = new AppError('binding.not_found', 'no');
    expect(translatePostgresError(bug)).toBe(bug);
    expect(translatePostgresError(known)).toBe(known);
    expect(translatePostgresError('text')).toBe('text');
  });
});
