/**
 * Parameters of oapi methods, read the way DingTalk reads them (§2): from the query string and the body, whether
 * the body is typed JSON, JSON with every scalar as a string (the old Java SDK), or form-urlencoded; lists as real
 * arrays, JSON text or comma strings (`"2,3"`). Each method declares a zod object built from the coercing field
 * types below; a failure becomes DingTalk's code (40035 missing, 400002 invalid, or the method's own per field).
 *
 * @example
 * const params = z.object({ dept_id: intParam({ min: 1 }), size: intParam({ min: 1, max: 100 }) });
 * parseParams(params, raw, { size: 40069 }); // throws DingTalkError(40069) for size 101
 */
import { z } from 'zod';
import { dingTalkError, ERRMSG } from './dingtalk-error.ts';
import { isRecord, parseForm, type RequestBody } from './request-body.ts';

const INTEGER_TEXT = /^\s*-?\d+\s*$/;

/** `"42"` → 42; `""` → not given. Anything else is left for zod to refuse. */
function numberish(value: unknown): unknown {
  if (value === '' || value === null) return undefined;
  return typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value;
}

function boolish(value: unknown): unknown {
  if (value === '' || value === null) return undefined;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return value;
}

/** Typed-JSON clients may send an id as a number. */
function stringish(value: unknown): unknown {
  if (value === null) return undefined;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
}

/** `[2,3]`, `"[2,3]"`, `"2,3"` and `2` are all the list 2, 3 (§2, §5.4 `dept_id_list`). */
function listish(value: unknown): unknown {
  if (value === '' || value === null) return undefined;
  if (typeof value === 'number') return [value];
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[')) return jsonish(text);
  return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

/** Structured values may arrive as JSON text (form bodies, the Java SDK). */
function jsonish(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!text.startsWith('[') && !text.startsWith('{')) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return value;
  }
}

/** A safe integer, given as a number or as decimal text. */
export function intParam(bounds: { min?: number; max?: number } = {}) {
  return z.preprocess(numberish, z.int().min(bounds.min ?? Number.MIN_SAFE_INTEGER).max(bounds.max ?? Number.MAX_SAFE_INTEGER));
}

export function boolParam() {
  return z.preprocess(boolish, z.boolean());
}

export function stringParam(bounds: { min?: number; max?: number } = {}) {
  return z.preprocess(stringish, z.string().min(bounds.min ?? 0).max(bounds.max ?? 100_000));
}

export function intListParam(max = 100) {
  return z.preprocess(listish, z.array(intParam({ min: 1 })).max(max));
}

export function stringListParam(max = 100) {
  return z.preprocess(listish, z.array(stringParam({ min: 1, max: 64 })).max(max));
}

/** A list of objects (`dept_order_list`, `dept_title_list`), as an array or as its JSON text. */
export function objectListParam<T extends z.ZodType>(item: T, max = 100) {
  return z.preprocess(jsonish, z.array(item).max(max));
}

/** A JSON object or its text, kept as text (§4.3 `extension` is JSON text of at most 2000 characters). */
export function jsonTextParam(max = 2000) {
  return z.preprocess(
    (value) => (isRecord(value) ? JSON.stringify(value) : stringish(value)),
    z.string().max(max),
  );
}

/** Per-field errcodes of one method; `missing` replaces 40035 for absent required fields. */
export type ParamCodes = Partial<Record<string, number>> & { missing?: number };

export function parseParams<S extends z.ZodType>(schema: S, raw: Record<string, unknown>, codes: ParamCodes = {}): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? '');
  const value = raw[field];
  if (value === undefined || value === null || value === '') {
    throw dingTalkError(codes.missing ?? 40035, `缺少参数 ${field}`);
  }
  const errcode = codes[field] ?? 400002;
  throw dingTalkError(errcode, `${ERRMSG[errcode] ?? '无效的参数'}: ${field}`);
}

export interface OapiRequestParams {
  /** `access_token` from the query or a form body (§1.1); undefined when absent. */
  token: string | undefined;
  params: Record<string, unknown>;
}

/**
 * Merges query and body parameters (the body wins) and takes out `access_token`. A JSON body's `access_token` is
 * not read, as on DingTalk (§1.1: query, or a form field).
 */
export function oapiRequestParams(query: unknown, body: RequestBody): OapiRequestParams {
  const fromQuery: Record<string, unknown> = isRecord(query) ? { ...query } : {};
  let fromBody: Record<string, unknown> = {};
  let formToken: unknown;
  switch (body.kind) {
    case 'none':
      break;
    case 'malformed':
      throw dingTalkError(400002, `无效的参数: 请求体不是合法的JSON (${body.reason.slice(0, 100)})`);
    case 'json':
      if (isRecord(body.value)) fromBody = body.value;
      else if (body.value !== null) throw dingTalkError(400002, '无效的参数: 请求体必须是JSON对象');
      break;
    case 'form':
      ({ access_token: formToken, ...fromBody } = body.value);
      break;
    case 'text':
      // No usable content type: read it as JSON if it is a JSON object, else as a form.
      fromBody = sniff(body.value);
      break;
  }
  const { access_token: queryToken, ...queryParams } = fromQuery;
  const token = queryToken ?? formToken;
  return {
    token: token === undefined ? undefined : typeof token === 'string' ? token : JSON.stringify(token),
    params: { ...queryParams, ...fromBody },
  };
}

function sniff(text: string): Record<string, unknown> {
  const parsed = jsonish(text);
  if (isRecord(parsed)) return parsed;
  if (typeof parsed !== 'string') throw dingTalkError(400002, '无效的参数: 请求体必须是JSON对象');
  return parseForm(text);
}
