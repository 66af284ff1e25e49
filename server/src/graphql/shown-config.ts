import { maskSealed } from '../crypto/sealed-config.js';
import { presentReferences } from '../flows/references.js';
import type { StepTypeRegistry } from '../steps/registry.js';

/**
 * What the API shows of a stored step config: references as global IDs, sealed secrets as
 * `{"$secret":"set"}`. A flows list shows the same steps again and again and their configs rarely
 * change, so the shown form is kept per distinct stored text instead of being parsed, cloned and
 * walked for every step of every request. Shown objects are frozen: they are shared between requests.
 */
const MAX_CHARS = 8 * 1024 * 1024;

interface Cache {
  entries: Map<string, Record<string, unknown>>;
  chars: number;
}

const caches = new WeakMap<StepTypeRegistry, Cache>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function cached(
  registry: StepTypeRegistry,
  key: string,
  show: () => Record<string, unknown>,
): Record<string, unknown> {
  let cache = caches.get(registry);
  if (!cache) caches.set(registry, (cache = { entries: new Map(), chars: 0 }));
  const hit = cache.entries.get(key);
  if (hit) return hit;
  const shown = deepFreeze(show());
  // Oldest first: configs of flows nobody lists any more age out.
  for (const [oldKey] of cache.entries) {
    if (cache.chars + key.length <= MAX_CHARS) break;
    cache.entries.delete(oldKey);
    cache.chars -= oldKey.length;
  }
  if (key.length <= MAX_CHARS) {
    cache.entries.set(key, shown);
    cache.chars += key.length;
  }
  return shown;
}

const parse = (text: string) => JSON.parse(text) as Record<string, unknown>;

/** A step's own config as the API shows it. */
export function shownConfig(registry: StepTypeRegistry, type: string, config: string) {
  return cached(registry, `${type}\u0000${config}`, () =>
    maskSealed(presentReferences(registry, type, parse(config))),
  );
}

/** The config that runs (template config with the step's overrides on top), as the API shows it. */
export function shownResolvedConfig(
  registry: StepTypeRegistry,
  type: string,
  config: string,
  templateConfig: string | null,
) {
  if (templateConfig === null) return shownConfig(registry, type, config);
  return cached(registry, `${type}\u0000${templateConfig}\u0000${config}`, () =>
    maskSealed(presentReferences(registry, type, { ...parse(templateConfig), ...parse(config) })),
  );
}
