/**
 * Objects kept per PBX (per `pbx-config` node id) for as long as the config node exists:
 * they survive redeploys of the flow and of the config node itself, and are dropped only
 * when the config node is removed. Module-level on purpose: a redeploy creates new node
 * objects, but this module stays loaded.
 */
const registry = new Map<string, Map<string, unknown>>();

/** The object under `key` for this PBX, created on first use. */
export function sharedObject<T>(configId: string, key: string, create: () => T): T {
  let objects = registry.get(configId);
  if (!objects) {
    objects = new Map();
    registry.set(configId, objects);
  }
  if (!objects.has(key)) objects.set(key, create());
  return objects.get(key) as T;
}

/** Forgets every object of a removed PBX; objects with a `dispose()` method get it called. */
export function dropSharedObjects(configId: string): void {
  const objects = registry.get(configId);
  if (!objects) return;
  registry.delete(configId);
  for (const value of objects.values()) {
    const disposable = value as { dispose?: unknown } | null;
    if (disposable && typeof disposable.dispose === 'function') (disposable.dispose as () => void)();
  }
}

/** How many PBXs have shared objects (for leak tests). */
export function sharedRegistrySize(): number {
  return registry.size;
}
