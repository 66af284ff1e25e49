import { z } from 'zod';
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
    const value = config.remove ? undefined : (config.value ?? null);
    engineServices(context).variables.set(config.scope, config.key, value);
    return {
      output: {
        variable: { key: config.key, scope: config.scope, value: value ?? null, removed: config.remove },
      },
    };
  },
});
