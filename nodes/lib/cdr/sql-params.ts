/** PostgreSQL types our parameters are cast to (a cast keeps `$n IS NULL` and `= ANY` well typed). */
export type SqlType = 'text' | 'int' | 'timestamptz' | 'text[]';

/**
 * Collects the values of one statement and hands out their placeholders (`$3::text`). Query
 * builders put only these placeholders into SQL text, never a value: that is the whole of our
 * defence against SQL injection, and it is complete.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown, type: SqlType): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }

  /**
   * A placeholder that joins the statement only if the SQL uses it: PostgreSQL refuses a
   * statement with a parameter it cannot type because nothing refers to it.
   */
  lazy(value: unknown, type: SqlType): () => string {
    let placeholder: string | undefined;
    return () => (placeholder ??= this.add(value, type));
  }
}

/** A statement ready for `pg`: text with placeholders only, and the values apart. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** Quotes a configured table name (`cdr`, `asterisk.cdr`) as SQL identifiers. */
export function quoteTableName(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    throw new Error(`table name ${JSON.stringify(name)} must be "table" or "schema.table"`);
  }
  return parts.map((part) => `"${part.replace(/"/g, '""')}"`).join('.');
}
