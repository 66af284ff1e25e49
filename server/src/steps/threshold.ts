import { z } from 'zod';
import { evaluateExpression } from '../engine/expressions/index.js';
import { compare, comparisonOperator } from './shared-schemas.js';
import { defineStepType } from './step-type.js';

export default defineStepType({
  type: 'threshold',
  category: 'condition',
  title: 'Threshold',
  description: 'Compares a value from the pipeline data (the trigger reading by default) with a number.',
  configSchema: z
    .object({
      path: z
        .string()
        .min(1)
        .default('trigger.value')
        .describe('Pipeline data path of the value, e.g. trigger.value'),
      operator: comparisonOperator,
      value: z.number().describe('The threshold'),
    })
    .strict(),
  ports: [
    { name: 'true', label: 'Crossed' },
    { name: 'false', label: 'Not crossed' },
  ],
  writes: () => ['value', 'threshold', 'operator', 'result'],
  run: ({ config, data }) => {
    const raw = evaluateExpression(config.path, data);
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${config.path} is not a number (it is ${JSON.stringify(raw) ?? 'undefined'})`);
    }
    const result = compare(value, config.operator, config.value);
    return {
      output: { value, threshold: config.value, operator: config.operator, result },
      ports: [result ? 'true' : 'false'],
    };
  },
});
