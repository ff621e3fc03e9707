import type { SqlParams } from './sql-params';

/** The pbx-config's number normalisation (nodes.md): `+` → internationalPrefix, then stripPrefix removed. */
export interface NumberRules {
  internationalPrefix: string;
  stripPrefix: string;
}

/**
 * The same normalisation in JavaScript, so that a number given to a query and a number stored
 * by the PBX compare equal whatever form each is in (`+420…` and `00420…`).
 */
export function normalizeForMatch(number: string, rules: NumberRules): string {
  let out = number.startsWith('+') ? rules.internationalPrefix + number.slice(1) : number;
  if (rules.stripPrefix !== '' && out.startsWith(rules.stripPrefix)) out = out.slice(rules.stripPrefix.length);
  return out;
}

/** The normalisation as an SQL expression over a column (prefixes as parameters). */
export class NumberSql {
  private readonly international: () => string;
  private readonly strip: () => string;

  constructor(params: SqlParams, rules: NumberRules) {
    this.international = params.lazy(rules.internationalPrefix, 'text');
    this.strip = params.lazy(rules.stripPrefix, 'text');
  }

  normalize(column: string): string {
    const international = this.international();
    const strip = this.strip();
    const plusReplaced = `(CASE WHEN left(coalesce(${column}, ''), 1) = '+' THEN ${international} || substr(${column}, 2) ELSE coalesce(${column}, '') END)`;
    return (
      `(CASE WHEN ${strip} <> '' AND starts_with(${plusReplaced}, ${strip}) ` +
      `THEN substr(${plusReplaced}, length(${strip}) + 1) ELSE ${plusReplaced} END)`
    );
  }
}
