import type { NumberRewriteRule } from '../settings';

/**
 * `numberRewrite` (pbx-config): the numbers in `caller_num` / `called_num` rewritten by the
 * first rule whose pattern matches (`^\+420(\d{9})$ => 0$1` turns `+420612345678` into
 * `0612345678`). Rules should be anchored so that they leave extensions alone.
 */
export function rewriteNumber(rules: readonly NumberRewriteRule[], value: string): string {
  if (value === '') return value;
  for (const rule of rules) {
    if (rule.pattern.test(value)) return value.replace(rule.pattern, rule.replacement);
  }
  return value;
}
