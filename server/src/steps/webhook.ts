import { z } from 'zod';
import { defineStepType, MAIN_PORT } from './step-type.js';
import { triggerPayload } from './shared-schemas.js';

export default defineStepType({
  type: 'webhook',
  category: 'trigger',
  title: 'Webhook',
  description:
    'Fires when an outside system posts to this step’s unguessable URL; body, query and selected headers become the trigger payload.',
  configSchema: z
    .object({
      includeHeaders: z.array(z.string()).default([]).describe('Request headers copied into the payload'),
    })
    .strict(),
  ports: [MAIN_PORT],
  // The engine starts here; the trigger payload becomes this step's output (and flat keys).
  run: ({ data }) => ({ output: triggerPayload(data) }),
});
