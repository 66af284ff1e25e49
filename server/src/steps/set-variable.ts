import { z } from 'zod';
import { parseTemplate } from '../engine/expressions/index.js';
import { engineServices } from '../engine/services.js';
import { variableKey } from './shared-schemas.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

export default defineStepType({
  type: 'set_variable',
  category: 'action',
  title: 'Set variable',
  description:
    'Stores a value that survives between runs, for this flow or for every flow (global); templates read it as vars.<key>.',
  configSchema: z
    .object({
      key: variableKey.describe('Variable name, e.g. last_alert_at'),
      value: z
        .unknown()
        .optional()
        .describe('The value; strings may use templates, and "{{ expr }}" alone keeps the value’s type'),
      scope: z.enum(['flow', 'global']).default('flow').describe('This flow only, or every flow'),
      remove: z.boolean().default(false).describe('Delete the variable instead of setting it'),
    })
    .strict(),
  ports: [MAIN_PORT],
  writes: () => ['variable'],
  run: (context) => {
    const { config } = context;
    // Decided: a placeholder that did not resolve (a missing path) fails the step and stores nothing,
    // rather than storing the template text as if it were the value.
    const unresolved = config.remove ? undefined : unresolvedPlaceholder(config.value);
    if (unresolved) {
      throw Object.assign(
        new Error(
          `value: ${unresolved} did not resolve (missing path?); variable "${config.key}" was not changed`,
        ),
        { code: 'unresolved_template' },
      );
    }
    const value = config.remove ? undefined : (config.value ?? null);
    engineServices(context).variables.set(config.scope, config.key, value);
    return {
      output: {
        variable: { key: config.key, scope: config.scope, value: value ?? null, removed: config.remove },
      },
    };
  },
});

/** The first `{{ … }}` left in a rendered value: the engine leaves a placeholder as written when its path is missing. */
function unresolvedPlaceholder(value: unknown, depth = 0): string | undefined {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return undefined;
    const part = parseTemplate(value).parts.find((p) => p.kind === 'expr');
    return part?.kind === 'expr' ? part.raw : undefined;
  }
  if (depth > 32 || value === null || typeof value !== 'object') return undefined;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    const found = unresolvedPlaceholder(item, depth + 1);
    if (found) return found;
  }
  return undefined;
}
