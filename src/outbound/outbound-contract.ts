/**
 * The outbound admin contract (zod at the boundary): the delivery log, retry, and "execute addition".
 */
import { z } from 'zod';
import { OUTBOUND_LOG_STATUSES } from '../db/index.ts';

export const outboundLogQuerySchema = z.object({
  status: z.enum(OUTBOUND_LOG_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type OutboundLogQuery = z.input<typeof outboundLogQuerySchema>;

export const outboundLogEntrySchema = z.object({
  seq: z.number(),
  at: z.string(),
  objectKind: z.enum(['unit', 'account']),
  objectId: z.string(),
  /** The unit's name or the account's display name now; null once the object is removed. */
  objectName: z.string().nullable(),
  operation: z.string(),
  status: z.enum(OUTBOUND_LOG_STATUSES),
  externalId: z.string().nullable(),
  request: z.unknown().nullable(),
  errcode: z.number().nullable(),
  error: z.unknown().nullable(),
  attempt: z.number(),
});
export type OutboundLogEntry = z.infer<typeof outboundLogEntrySchema>;

export const outboundLogSchema = z.object({
  entries: z.array(outboundLogEntrySchema),
  /** Rows still waiting (pending) and given up on (failed). */
  outbox: z.object({ pending: z.number(), failed: z.number() }),
});
export type OutboundLog = z.infer<typeof outboundLogSchema>;

export const outboundRetrySchema = z.object({ requeued: z.number() });

export const executeAdditionInputSchema = z.object({ dryRun: z.boolean().default(false) });
export const executeAdditionResultSchema = z.object({
  dryRun: z.boolean(),
  units: z.array(z.object({ id: z.string(), name: z.string(), depth: z.number() })),
  accounts: z.array(z.object({ id: z.string(), username: z.string(), displayName: z.string() })),
});
export type ExecuteAdditionResult = z.infer<typeof executeAdditionResultSchema>;

/** What the admin API and the CLI offer (both implementations follow it). */
export interface OutboundService {
  /** The delivery log, newest first. */
  log(bindingId: string, query?: OutboundLogQuery): Promise<OutboundLog>;
  /** Puts failed rows back to pending and enqueues a delivery. */
  retry(bindingId: string): Promise<{ requeued: number }>;
  /** Pushes everything in scope that is not linked yet (or lists it, with `dryRun`). */
  executeAddition(bindingId: string, input?: { dryRun?: boolean }): Promise<ExecuteAdditionResult>;
}
