import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

// One validator for the whole app; compiled schemas are cached by step type.
const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: false });
const compiled = new Map<string, ValidateFunction>();

/** Checks a config against its step type's JSON Schema, the same schema the server enforces. */
export function checkConfig(
  type: string,
  schema: Record<string, unknown>,
  config: unknown,
): Map<string, string[]> {
  let validate = compiled.get(type);
  if (!validate) {
    const { $schema: _ignored, ...rest } = schema;
    validate = ajv.compile(rest);
    compiled.set(type, validate);
  }
  const errors = new Map<string, string[]>();
  if (validate(config)) return errors;
  for (const error of validate.errors ?? []) {
    let path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (error.keyword === 'required')
      path = [path, String(error.params.missingProperty)].filter(Boolean).join('.');
    const field = path ? `config.${path}` : 'config';
    const message = error.keyword === 'required' ? 'Required' : sentence(error.message ?? 'is not valid');
    errors.set(field, [...(errors.get(field) ?? []), message]);
  }
  return errors;
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
