import type { z } from 'zod';
import type { StepTypeDefinition } from '../steps/step-type.js';
import { toText } from './expressions/values.js';

/** A step's config no longer fits its schema once its templates were rendered. */
export class RenderedConfigError extends Error {
  override name = 'RenderedConfigError';
  readonly code = 'invalid_config';
}

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      innerType?: z.ZodType;
      shape?: Record<string, z.ZodType>;
      element?: z.ZodType;
      in?: z.ZodType;
    };
  };
}

/** The schema under optional/default/nullable wrappers and pipes. */
function unwrap(schema: z.ZodType): ZodInternals['_zod']['def'] {
  let def = (schema as unknown as ZodInternals)._zod.def;
  for (let i = 0; i < 16; i++) {
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) break;
    def = (inner as unknown as ZodInternals)._zod.def;
  }
  return def;
}

/**
 * A template that is one placeholder keeps the value's type, so `"{{ trigger.payload }}"` renders to an
 * object. Where the schema wants text, the value becomes text (objects and lists as JSON, numbers as
 * written); then the config is checked against the schema again and a mismatch fails the step, so a step
 * never acts on (or reports success for) a value its own schema refuses.
 */
export function checkRenderedConfig(
  definition: Pick<StepTypeDefinition, 'type' | 'configSchema'>,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const coerced = coerce(definition.configSchema, config) as Record<string, unknown>;
  const parsed = definition.configSchema.safeParse(coerced);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(config)';
    throw new RenderedConfigError(
      `${definition.type} config after rendering templates: ${field}: ${issue.message}`,
    );
  }
  return coerced;
}

function coerce(schema: z.ZodType, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  const def = unwrap(schema);
  if (def.type === 'string') return typeof value === 'string' ? value : toText(value);
  if (def.type === 'object' && def.shape && typeof value === 'object' && !Array.isArray(value)) {
    let out: Record<string, unknown> | undefined;
    for (const [key, field] of Object.entries(def.shape)) {
      if (!(key in value)) continue;
      const item = (value as Record<string, unknown>)[key];
      const next = coerce(field, item);
      if (next !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = next;
    }
    return out ?? value;
  }
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    const mapped = value.map((item) => coerce(def.element!, item));
    return mapped.some((item, i) => item !== value[i]) ? mapped : value;
  }
  return value;
}
