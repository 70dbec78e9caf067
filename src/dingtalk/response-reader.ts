/**
 * Reads one DingTalk HTTP answer into a typed value or a {@link DingTalkError}, for either API family (§1.1).
 *
 * oapi bodies are parsed as JSON whatever their content type; a non-JSON body is the per-IP block page (§6.3) or a
 * gateway's error page, never a success.
 */
import type { z } from 'zod';
import {
  badResponseError,
  errorFromApi,
  errorFromHttpStatus,
  errorFromOapi,
  ipBlockedError,
  type DingTalkError,
} from './dingtalk-errors.ts';
import { apiFailureSchema, ipBlockSchema, oapiStatusSchema } from './schemas.ts';

export type ApiFamily = 'oapi' | 'api';

/**
 * The value `schema` makes of the body, or throws the DingTalkError the body means.
 *
 * @example
 * const body = readResponse('oapi', 'topapi/user/count', 200, text, oapiResult(userCountSchema));
 */
export function readResponse<T>(
  family: ApiFamily,
  api: string,
  httpStatus: number,
  text: string,
  schema: z.ZodType<T>,
): T {
  const body = parseJson(text);
  if (body === undefined) throw nonJsonError(api, httpStatus, text);
  if (ipBlockSchema.safeParse(body).success) throw ipBlockedError(api, httpStatus);

  if (family === 'oapi') {
    // HTTP 200 + errcode (§2).
    const status = oapiStatusSchema.safeParse(body);
    if (status.success && status.data.errcode !== 0) throw errorFromOapi(api, httpStatus, status.data);
    // Without an errcode, an error status is a gateway's answer: read it as the api family's shape.
    if (!status.success && httpStatus >= 400) throw apiFailure(api, httpStatus, body);
  } else if (httpStatus < 200 || httpStatus >= 300) {
    // HTTP status + {code, message, requestid} (§1.1, §6.1).
    throw apiFailure(api, httpStatus, body);
  }

  const parsed = schema.safeParse(body);
  if (!parsed.success) throw badResponseError(api, httpStatus, 'it does not match the schema', parsed.error.issues);
  return parsed.data;
}

function apiFailure(api: string, httpStatus: number, body: unknown): DingTalkError {
  const failure = apiFailureSchema.safeParse(body);
  return errorFromApi(api, httpStatus, failure.success ? failure.data : {});
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A body that is not JSON. 5xx → unavailable. A 404 page means the base URL points at something that is not
 * DingTalk. Any other HTML page is taken for the per-IP block page (§6.3 gives no more than "an HTML page").
 */
function nonJsonError(api: string, httpStatus: number, text: string): DingTalkError {
  if (httpStatus >= 500) return errorFromHttpStatus(api, httpStatus);
  if (httpStatus !== 404 && /^\s*</.test(text)) return ipBlockedError(api, httpStatus);
  return badResponseError(
    api,
    httpStatus,
    httpStatus === 404 ? 'HTTP 404 without a JSON body; is the base URL right?' : 'the body is not JSON',
  );
}
