/** The part of Node-RED's RED object that translates (`RED._`, bound to the node's catalogue). */
export interface Translator {
  _(key: string, substitutions?: Record<string, unknown>): string;
}

/**
 * A status text from the node's message catalogue (`locales/<lang>/<node>.json`, in the
 * runtime's language), or the English text when there is none: the test helper and a broken
 * install answer the key itself. `__name__` placeholders are filled in either way.
 */
export function statusWord(RED: Translator, key: string, english: string, substitutions: Record<string, string | number> = {}): string {
  const translated = RED._(key, substitutions);
  if (translated && translated !== key) return translated;
  return english.replace(/__(\w+)__/g, (placeholder, name: string) => (name in substitutions ? String(substitutions[name]) : placeholder));
}
