import { sql, type Kysely } from 'kysely';

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: string;
  column_default: string | null;
}

interface DefinitionRow {
  table_name: string;
  name: string;
  definition: string;
}

/**
 * A stable text of one schema's tables, columns, constraints and indexes, read from the catalog: what the
 * migrations produced, independent of the order they produced it in. Used to check that PGlite and PostgreSQL end
 * up with the same schema, and to review a migration's effect as a diff.
 *
 * @example
 * console.log(await dumpSchema(db));
 * // table accounts
 * //   column id uuid not null
 * //   constraint accounts_pkey PRIMARY KEY (id)
 * //   index accounts_email_idx CREATE INDEX accounts_email_idx ON accounts USING btree (lower(email))
 */
export async function dumpSchema<DB>(db: Kysely<DB>, schema = 'public'): Promise<string> {
  const columns = await sql<ColumnRow>`
    select c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default
    from information_schema.columns c
    join information_schema.tables t
      on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    where c.table_schema = ${schema}
    order by c.table_name, c.ordinal_position`.execute(db);
  const constraints = await sql<DefinitionRow>`
    select cl.relname as table_name, co.conname as name, pg_get_constraintdef(co.oid) as definition
    from pg_constraint co
    join pg_class cl on cl.oid = co.conrelid
    join pg_namespace n on n.oid = co.connamespace
    -- PostgreSQL 18 (PGlite) records NOT NULL as constraints too; the column lines already say it.
    where n.nspname = ${schema} and co.contype <> 'n'
    order by 1, 2`.execute(db);
  const indexes = await sql<DefinitionRow>`
    select tablename as table_name, indexname as name, indexdef as definition
    from pg_indexes
    where schemaname = ${schema}
    order by 1, 2`.execute(db);

  const tables = new Map<string, string[]>();
  const linesOf = (table: string): string[] => {
    let lines = tables.get(table);
    if (!lines) tables.set(table, (lines = []));
    return lines;
  };
  for (const c of columns.rows) {
    const nullability = c.is_nullable === 'NO' ? ' not null' : '';
    const fallback = c.column_default === null ? '' : ` default ${c.column_default}`;
    linesOf(c.table_name).push(`  column ${c.column_name} ${c.data_type}${nullability}${fallback}`);
  }
  for (const c of constraints.rows) linesOf(c.table_name).push(`  constraint ${c.name} ${c.definition}`);
  // The schema qualifier in index definitions says where, not what: leave it out so dumps of schemas compare.
  const qualifier = new RegExp(`\\bON ${escapeRegExp(schema)}\\.`, 'g');
  for (const i of indexes.rows) {
    linesOf(i.table_name).push(`  index ${i.name} ${i.definition.replace(qualifier, 'ON ')}`);
  }
  return [...tables.keys()]
    .sort()
    .map((table) => [`table ${table}`, ...tables.get(table)!].join('\n'))
    .join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
