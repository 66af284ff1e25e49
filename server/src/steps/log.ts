import { z } from 'zod';
import { templateString } from './shared-schemas.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

export default defineStepType({
  type: 'log',
  category: 'action',
  title: 'Log',
  description: 'Writes a message to the run’s timeline.',
  configSchema: z
    .object({
      message: templateString('What to record'),
      level: z.enum(['info', 'warn', 'error']).default('info'),
    })
    .strict(),
  ports: [MAIN_PORT],
  // The timeline row is the log: the rendered message is the step's output.
  run: ({ config }) => ({ output: { level: config.level, message: config.message } }),
});
