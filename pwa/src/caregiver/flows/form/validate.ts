import { Validator, type OutputUnit } from '@cfworker/json-schema';

// @cfworker/json-schema interprets schemas instead of compiling them with `new Function` (as ajv
// does), so the form validates under the server's Content-Security-Policy (no 'unsafe-eval').
const validators = new Map<string, Validator>();

/** Keywords that only report that something inside them failed; the inner failure is the useful one. */
const WRAPPERS = new Set([
  'properties',
  'items',
  'prefixItems',
  'allOf',
  'anyOf',
  'oneOf',
  '$ref',
  'additionalProperties',
]);

/** Checks a config against its step type's JSON Schema, the same schema the server enforces. */
export function checkConfig(
  type: string,
  schema: Record<string, unknown>,
  config: unknown,
): Map<string, string[]> {
  let validator = validators.get(type);
  if (!validator) {
    const { $schema: _ignored, ...rest } = schema;
    validator = new Validator(rest as object, '2020-12', false);
    validators.set(type, validator);
  }
  const errors = new Map<string, string[]>();
  const result = validator.validate(withoutSecretMarkers(config));
  if (result.valid) return errors;
  for (const error of result.errors) {
    if (WRAPPERS.has(error.keyword)) continue;
    const { field, message } = describe(error, schema);
    if (!(errors.get(field) ?? []).includes(message))
      errors.set(field, [...(errors.get(field) ?? []), message]);
  }
  return errors;
}

/**
 * A stored secret reads back as {"$secret":"set"} (the server keeps the value when it is sent back);
 * for validation it stands for the valid string it replaces.
 */
function withoutSecretMarkers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecretMarkers);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && entries[0]![0] === '$secret') return 'secret';
  return Object.fromEntries(entries.map(([key, child]) => [key, withoutSecretMarkers(child)]));
}

function describe(error: OutputUnit, schema: object): { field: string; message: string } {
  const path = pointer(error.instanceLocation);
  if (error.keyword === 'required') {
    const missing = /"([^"]+)"/.exec(error.error)?.[1];
    if (missing) path.push(missing);
  }
  const field = path.length ? `config.${path.join('.')}` : 'config';
  return { field, message: wording(error.keyword, valueAt(schema, pointer(error.keywordLocation))) };
}

const pointer = (location: string) =>
  location
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~')));

function valueAt(schema: object, path: string[]): unknown {
  let current: unknown = schema;
  for (const part of path) current = (current as Record<string, unknown> | undefined)?.[part];
  return current;
}

/** Short words for a person, by the keyword that failed and its limit in the schema. */
function wording(keyword: string, limit: unknown): string {
  switch (keyword) {
    case 'required':
      return 'Required';
    case 'minimum':
      return `Must be >= ${limit}`;
    case 'exclusiveMinimum':
      return `Must be > ${limit}`;
    case 'maximum':
      return `Must be <= ${limit}`;
    case 'exclusiveMaximum':
      return `Must be < ${limit}`;
    case 'minLength':
      return limit === 1 ? 'Must not be empty' : `Must have at least ${limit} characters`;
    case 'maxLength':
      return `Must have at most ${limit} characters`;
    case 'minItems':
      return `Must have at least ${limit} items`;
    case 'maxItems':
      return `Must have at most ${limit} items`;
    case 'type':
      return `Must be ${Array.isArray(limit) ? limit.join(' or ') : limit}`;
    case 'enum':
    case 'const':
      return 'Must be one of the choices';
    case 'pattern':
    case 'format':
      return 'Has the wrong format';
    default:
      return 'Is not valid';
  }
}
