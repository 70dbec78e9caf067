/**
 * §5: several write parameters are lists sent as one comma-separated string (`dept_id_list: "2,3,4"`). Callers
 * give arrays; this turns the named keys into that wire form and leaves everything else as typed JSON.
 *
 * @example
 * withCommaLists({ name: 'Ann', dept_id_list: [2, 3] }, ['dept_id_list']); // { name: 'Ann', dept_id_list: '2,3' }
 */
export function withCommaLists<T extends object>(input: T, keys: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const key of keys) {
    const value = body[key];
    if (Array.isArray(value)) body[key] = value.join(',');
  }
  return body;
}
