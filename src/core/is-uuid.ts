/**
 * Whether `text` has the shape of a UUID (any version). Ids in the database are `uuid` columns: a string of another
 * shape is known not to exist without a query (and would make PostgreSQL raise instead of finding nothing).
 *
 * @example
 * if (!isUuid(id)) throw notFound(id);
 */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
