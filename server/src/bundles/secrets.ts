/**
 * Finding the secret values in a step config, so a bundle never carries them. One function decides
 * what is secret (`secretPaths`); export masks those paths and import puts supplied values back.
 */

type JsonSchema = Record<string, unknown>;
export type Path = Array<string | number>;

/** Request headers that carry credentials, whatever step they appear in. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$/i;

/** A config value that is only a template (`{{ vars.slack_url }}`) points at a secret, it is not one. */
const isTemplated = (value: unknown) => typeof value === 'string' && value.includes('{{');

/** Whether a JSON Schema node is marked secret: `secret: true` (our marker) or the standard `writeOnly`. */
function markedSecret(schema: JsonSchema | undefined): boolean {
  return !!schema && (schema.secret === true || schema.writeOnly === true || schema['x-secret'] === true);
}

/** Every object schema a node may stand for (through anyOf / oneOf / allOf). */
function branches(schema: JsonSchema | undefined): JsonSchema[] {
  if (!schema) return [];
  const nested = ['anyOf', 'oneOf', 'allOf'].flatMap((keyword) =>
    Array.isArray(schema[keyword]) ? (schema[keyword] as JsonSchema[]).flatMap(branches) : [],
  );
  return [schema, ...nested];
}

/**
 * Paths (under the config) of the secret values present in `config`, as its type's JSON Schema marks
 * them, plus credential headers in any `headers` object. Templated values are left alone.
 */
export function secretPaths(schema: JsonSchema, config: unknown): Path[] {
  const found: Path[] = [];
  walk(schema, config, [], found);
  return found.filter((path) => !isTemplated(valueAt(config, path)));
}

function walk(schema: JsonSchema | undefined, value: unknown, path: Path, found: Path[]): void {
  if (value === undefined || value === null) return;
  const nodes = branches(schema);
  if (nodes.some(markedSecret)) {
    found.push(path);
    return;
  }
  if (Array.isArray(value)) {
    const items = nodes.map((node) => node.items).find((items) => items && typeof items === 'object') as
      JsonSchema | undefined;
    value.forEach((item, index) => walk(items, item, [...path, index], found));
    return;
  }
  if (typeof value !== 'object') return;
  const isHeaders = path[path.length - 1] === 'headers';
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (isHeaders && CREDENTIAL_HEADER.test(key) && child !== undefined && child !== null) {
      found.push([...path, key]);
      continue;
    }
    const property =
      nodes.map((node) => (node.properties as Record<string, JsonSchema> | undefined)?.[key]).find(Boolean) ??
      (nodes.map((node) => node.additionalProperties).find((extra) => extra && typeof extra === 'object') as
        JsonSchema | undefined);
    walk(property, child, [...path, key], found);
  }
}

export function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** Sets (or with `undefined`, removes) the value at `path`, creating objects on the way. Mutates. */
export function setAt(target: Record<string, unknown>, path: Path, value: unknown): void {
  let current: Record<string | number, unknown> = target;
  for (const part of path.slice(0, -1)) {
    const next = current[part];
    if (next === null || typeof next !== 'object') current[part] = {};
    current = current[part] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(current) && typeof last === 'number') current[last] = null;
    else delete current[last];
  } else current[last] = value;
}

/** `config.headers.Authorization` ⇄ ['headers', 'Authorization'] (the `config.` prefix is the step's). */
export const fieldOf = (path: Path) => ['config', ...path.map(String)].join('.');
export const pathOf = (field: string): Path =>
  field
    .split('.')
    .slice(field.startsWith('config.') ? 1 : 0)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));

/** A copy of `config` without its secret values, and the fields it left out. */
export function maskSecrets(
  schema: JsonSchema,
  config: Record<string, unknown>,
): { config: Record<string, unknown>; fields: string[] } {
  const paths = secretPaths(schema, config);
  if (paths.length === 0) return { config, fields: [] };
  const masked = structuredClone(config);
  for (const path of paths) setAt(masked, path, undefined);
  return { config: masked, fields: paths.map(fieldOf) };
}
