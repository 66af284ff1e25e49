import { z } from 'zod';
import { evaluateCondition } from '../engine/expressions/index.js';
import { defineStepType } from './step-type.js';

export default defineStepType({
  type: 'condition',
  category: 'condition',
  title: 'Condition',
  description: 'Evaluates an expression on the pipeline data and continues on the true or the false branch.',
  configSchema: z
    .object({
      expression: z.string().min(1).describe('e.g. trigger.value > 30 and not exists(vars.muted)'),
      triggerCooloff: z.boolean().default(false).describe('A true result consumes the flow’s cool-off'),
    })
    .strict(),
  ports: [
    { name: 'true', label: 'True' },
    { name: 'false', label: 'False' },
  ],
  writes: () => ['result'],
  run: ({ config, data }) => {
    const result = evaluateCondition(config.expression, data);
    // 004: a condition consumes the cool-off only when asked to and only when it is true.
    return {
      output: { result },
      ports: [result ? 'true' : 'false'],
      cooloff: config.triggerCooloff && result,
    };
  },
});
