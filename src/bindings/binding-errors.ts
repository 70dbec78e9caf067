/**
 * The bindings area's errors (STYLE.md §5): stable codes, the HTTP status, and a message that says what was wrong
 * and what to do. None of them ever carries the AppSecret.
 */
import type { z } from 'zod';
import { AppError } from '../core/index.ts';

/** A zod issue at its full path, plus that path dotted (`mapping.email.source`) for messages. */
export interface InputIssue {
  field: string;
  message: string;
  code: string;
  path: PropertyKey[];
}

/** zod issues under `prefix` as {@link InputIssue}s. The offending value is never kept: it may be a secret. */
export function inputIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): InputIssue[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    return { field: path.map(String).join('.') || '(body)', message: issue.message, code: issue.code, path };
  });
}

/**
 * `binding.invalid` (400): the message names every bad field, `details.issues` lists them.
 *
 * @example
 * throw invalidBinding(inputIssues(error.issues, ['mapping']));
 */
export function invalidBinding(issues: readonly InputIssue[]): AppError {
  const list = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  return new AppError('binding.invalid', `The binding is invalid: ${list}.`, { status: 400, details: { issues } });
}

export function bindingNotFound(id: string): AppError {
  return new AppError(
    'binding.not_found',
    `No binding with id ${JSON.stringify(id)}. List them with \`dingbridge bindings list\`.`,
    { status: 404, details: { id } },
  );
}

export function corpIdTaken(corpId: string, bindingId: string | undefined): AppError {
  return new AppError(
    'binding.corp_id_taken',
    `The organization ${corpId} is already bound${bindingId === undefined ? '' : ` (binding ${bindingId})`}. ` +
      'One organization has one binding: update that one (`dingbridge bindings update`) instead.',
    { status: 409, details: { corpId, ...(bindingId === undefined ? {} : { bindingId }) } },
  );
}

/** The app's credentials work but DingTalk will not issue them a token in `corpId` (§1.3 corp token). */
export function corpIdMismatch(corpId: string, verdict: 'mismatch' | 'unknown'): AppError {
  const hint =
    'Copy the CorpId from the DingTalk developer console (开发者后台, top right) of the organization that installed ' +
    'this app, or check that the AppKey belongs to an app of that organization.';
  const message =
    verdict === 'mismatch'
      ? `DingTalk says this app is not installed in the organization ${corpId}. ${hint}`
      : `DingTalk could not confirm that this app belongs to the organization ${corpId}: it answered 500 ` +
        "unknownError, which is what it answers for a CorpId it does not know (and, rarely, during an outage). " +
        `${hint} If the CorpId is right, try again later or add the binding without verification.`;
  return new AppError('binding.corp_id_mismatch', message, { status: 400, details: { corpId, verdict, hint } });
}

export function targetTaken(unitId: string, bindingId: string): AppError {
  return new AppError(
    'binding.target_taken',
    `The unit ${unitId} is already the target of binding ${bindingId}; each binding needs its own subtree. ` +
      'Leave targetUnitId out to create a new unit.',
    { status: 409, details: { unitId, bindingId } },
  );
}

export function unitNotFound(unitId: string): AppError {
  return new AppError(
    'unit.not_found',
    `No unit with id ${unitId}. Leave targetUnitId out to create a new unit for the binding.`,
    { status: 404, details: { unitId } },
  );
}

/** A stored row that no longer parses: written by another version, or edited by hand. A bug or a data problem. */
export function corruptBinding(id: string, issues: readonly InputIssue[]): AppError {
  const list = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  return new AppError('binding.corrupt', `The stored settings of binding ${id} do not parse: ${list}.`, {
    status: 500,
    details: { id, issues },
  });
}
