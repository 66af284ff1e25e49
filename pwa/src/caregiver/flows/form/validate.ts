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
  const result = validator.validate(config);
  if (result.valid) return errors;
  for (const error of result.errors) {
    if (WRAPPERS.has(error.keyword)) continue;
    const { field, message } = describe(error);
    if (!(errors.get(field) ?? []).includes(message))
      errors.set(field, [...(errors.get(field) ?? []), message]);
  }
  return errors;
}

function describe(error: OutputUnit): { field: string; message: string } {
  const path = error.instanceLocation
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~')));
  if (error.keyword === 'required') {
    const missing = /"([^"]+)"/.exec(error.error)?.[1];
    if (missing) path.push(missing);
  }
  const field = path.length ? `config.${path.join('.')}` : 'config';
  const message = error.keyword === 'required' ? 'Required' : plain(error.error);
  return { field, message };
}

/** "Instance has a value of 3 which is less than 5." → "Must be at least 5"-style wording where we can. */
function plain(text: string): string {
  const minimum = /less than (\S+?)\.?$/.exec(text);
  if (minimum) return `Must be at least ${minimum[1]}`;
  const maximum = /greater than (\S+?)\.?$/.exec(text);
  if (maximum) return `Must be at most ${maximum[1]}`;
  const cleaned = text.replace(/^Instance /, 'Value ').replace(/\.$/, '');
  return cleaned.charAt(0).toUpperCase() + cleaned.slice(1);
}
