/** An outbound delivery's reason in one line: the error's message (or a skip's reason) and DingTalk's errcode. */
export function deliveryReason(entry: { error: unknown; errcode: number | null }): string {
  const error = typeof entry.error === 'object' && entry.error !== null ? (entry.error as { message?: unknown; reason?: unknown }) : {};
  const text = typeof error.message === 'string' ? error.message : typeof error.reason === 'string' ? error.reason : '';
  return entry.errcode === null ? text : `${text} (errcode ${entry.errcode})`;
}
