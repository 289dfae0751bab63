import type pg from 'pg';

/** Where a value was found: table, column and how many rows hold it. */
export interface Finding {
  table: string;
  column: string;
  value: string;
  rows: number;
}

/**
 * Every table of the schema, every column that can hold text (text, varchar, char, json, jsonb,
 * and arrays of them), searched for each value as a substring: found from the catalogue, so a
 * table added later is searched without changing this.
 */
export async function scanEveryTable(
  client: pg.Client,
  values: string[],
  schema = 'public',
): Promise<{ findings: Finding[]; tables: string[] }> {
  const { rows: columns } = await client.query<{ table: string; column: string }>(
    `select c.table_name as table, c.column_name as column
     from information_schema.columns c
     join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
     where c.table_schema = $1
       and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED') or c.udt_name in ('inet', 'cidr'))
     order by 1, 2`,
    [schema],
  );
  const findings: Finding[] = [];
  for (const { table, column } of columns) {
    for (const value of values) {
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)} where strpos(${client.escapeIdentifier(column)}::text, $1) > 0`,
        [value],
      );
      const count = Number(rows[0].n);
      if (count > 0) findings.push({ table, column, value, rows: count });
    }
  }
  return { findings, tables: [...new Set(columns.map((c) => c.table))] };
}
