import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type RawBuilder,
} from 'kysely';
import type pg from 'pg';

// Named (prepared) statements: the hot statements run under a fixed name, so each connection
// parses and plans them once. node-postgres keys a plan by its name alone and throws "Prepared
// statements must be unique" only when a second text meets a connection that has the first.
// Here every name is declared once, at module scope: a second declaration of a name is refused
// when its module loads (at start-up), and a built statement whose text changes from one call to
// the next is refused at that call, before it reaches a connection.

/** A statement bound to its values, ready to run. */
export interface BoundStatement<R> {
  name: string;
  text: string;
  values: unknown[];
  /** Carries the row type; never set. */
  readonly row?: R;
}

export interface NamedStatement<Args extends unknown[], R> {
  readonly name: string;
  readonly text: string;
  bind(...args: Args): BoundStatement<R>;
}

const declared = new Set<string>();

function declare(name: string): void {
  if (declared.has(name)) throw new Error(`the prepared statement name "${name}" is declared twice`);
  declared.add(name);
}

/** A fixed text with $1…$n placeholders. */
export function namedStatement<R, Args extends unknown[] = unknown[]>(name: string, text: string): NamedStatement<Args, R> {
  declare(name);
  return { name, text, bind: (...values) => ({ name, text, values }) };
}

// Compiles the query builder's `sql` templates to text and values without a connection.
const compiler = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/**
 * A statement written with the query builder's `sql` template, whose text does not depend on its
 * values (arrays go in as one parameter): the first call fixes the text, and a later call whose
 * build yields another text is refused.
 */
export function builtStatement<Args extends unknown[], R>(name: string, build: (...args: Args) => RawBuilder<R>): NamedStatement<Args, R> {
  declare(name);
  let text: string | null = null;
  return {
    name,
    get text() {
      return text ?? '';
    },
    bind(...args) {
      const compiled: CompiledQuery<R> = build(...args).compile(compiler);
      text ??= compiled.sql;
      if (compiled.sql !== text) throw new Error(`the prepared statement "${name}" was built with a different text`);
      return { name, text, values: [...compiled.parameters] };
    },
  };
}

/** Something that runs queries: the pool, or one client inside a transaction. */
type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** Runs a bound statement as a named one; its rows. */
export async function runStatement<R>(on: Queryable, statement: BoundStatement<R>): Promise<R[]> {
  return (await on.query({ name: statement.name, text: statement.text, values: statement.values })).rows as R[];
}
