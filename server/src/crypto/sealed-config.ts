/**
 * Secret values inside step configs (an http step's Authorization header, a Slack or Teams webhook URL).
 * Which values are secret is decided by the type's JSON Schema (`writeOnly`) and by credential header
 * names, through the same `secretPaths` the bundle export uses. At rest such a value is stored as
 * `{"$sealed": "<SecretBox ciphertext>"}`; every API shows it as `{"$secret": "set"}`; a save that sends
 * `{"$secret": "set"}` back keeps the stored value, so a client round-trips a config without knowing it.
 * The engine opens sealed values only when the step runs, so snapshots and timelines never hold them.
 */
import { secretPaths, setAt, valueAt, type Path } from '../bundles/secrets.js';

export interface SealedValue {
  $sealed: string;
}

/** What the API shows in place of a stored secret. */
export const SECRET_SET = Object.freeze({ $secret: 'set' as const });

export interface SecretSealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export const isSealed = (value: unknown): value is SealedValue =>
  isObject(value) && typeof value.$sealed === 'string' && Object.keys(value).length === 1;

export const isSecretPlaceholder = (value: unknown): boolean =>
  isObject(value) && value.$secret === 'set' && Object.keys(value).length === 1;

/** A copy with every value for which `replace` answers something replaced; the same object when none. */
function replaceDeep(value: unknown, replace: (value: unknown) => unknown): unknown {
  const replaced = replace(value);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const next = replaceDeep(item, replace);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? items : value;
  }
  if (!isObject(value)) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, child]) => {
    const next = replaceDeep(child, replace);
    if (next !== child) changed = true;
    return [key, next] as const;
  });
  return changed ? Object.fromEntries(entries) : value;
}

/** The config as any API, snapshot or export shows it: each sealed value is `{"$secret":"set"}`. */
export function maskSealed<T>(value: T): T {
  return replaceDeep(value, (node) => (isSealed(node) ? { ...SECRET_SET } : undefined)) as T;
}

/** The config with each sealed value opened (for the moment a step runs or a save is validated). */
export function openSealed<T>(value: T, sealer: Pick<SecretSealer, 'open'>): T {
  return replaceDeep(value, (node) =>
    isSealed(node) ? (JSON.parse(sealer.open(node.$sealed)) as unknown) : undefined,
  ) as T;
}

/** Paths of the sealed values in a config. */
export function sealedPaths(value: unknown, path: Path = [], found: Path[] = []): Path[] {
  if (isSealed(value)) found.push(path);
  else if (Array.isArray(value)) value.forEach((item, index) => sealedPaths(item, [...path, index], found));
  else if (isObject(value))
    for (const [key, child] of Object.entries(value)) sealedPaths(child, [...path, key], found);
  return found;
}

/** `target` with the sealed values of `original` put back at their paths (after a parse filled defaults). */
export function restoreSealed(target: Record<string, unknown>, original: unknown): Record<string, unknown> {
  const paths = sealedPaths(original);
  if (paths.length === 0) return target;
  const copy = structuredClone(target);
  for (const path of paths) setAt(copy, path, valueAt(original, path));
  return copy;
}

/**
 * A submitted config with `{"$secret":"set"}` replaced by the stored value it stands for (opened), so
 * validation sees the real config; a placeholder with nothing stored behind it is removed.
 */
export function revealPlaceholders(
  config: Record<string, unknown>,
  stored: unknown,
  sealer: Pick<SecretSealer, 'open'>,
): Record<string, unknown> {
  const opened = openSealed(config, sealer);
  let result = opened;
  const visit = (value: unknown, path: Path) => {
    if (isSecretPlaceholder(value)) {
      if (result === opened) result = structuredClone(opened);
      const previous = valueAt(stored, path);
      const kept = isSealed(previous) ? (JSON.parse(sealer.open(previous.$sealed)) as unknown) : previous;
      setAt(result, path, isSecretPlaceholder(kept) ? undefined : kept);
    } else if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...path, index]));
    else if (isObject(value)) for (const [key, child] of Object.entries(value)) visit(child, [...path, key]);
  };
  visit(opened, []);
  return result;
}

/** The config to store: every secret value its schema marks sealed (empty strings are "not set"). */
export function sealConfig(
  schema: Record<string, unknown>,
  config: Record<string, unknown>,
  sealer: Pick<SecretSealer, 'seal'>,
): Record<string, unknown> {
  const paths = secretPaths(schema, config).filter((path) => {
    const value = valueAt(config, path);
    return value !== '' && !isSealed(value) && !isSecretPlaceholder(value);
  });
  if (paths.length === 0) return config;
  const sealed = structuredClone(config);
  for (const path of paths) {
    setAt(sealed, path, { $sealed: sealer.seal(JSON.stringify(valueAt(config, path))) });
  }
  return sealed;
}
