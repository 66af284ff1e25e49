import { z } from 'zod';
import { defineStepType, MAIN_PORT } from './step-type.js';
import { triggerPayload } from './shared-schemas.js';

export default defineStepType({
  type: 'manual',
  category: 'trigger',
  title: 'Manual',
  description:
    'Started by a person in the app, by the API (triggerFlow, POST /v1/flows/{id}/trigger) or by another flow.',
  configSchema: z
    .object({
      buttonLabel: z.string().max(60).optional().describe('Text on the run button in the app'),
    })
    .strict(),
  ports: [MAIN_PORT],
  // The engine starts here; the trigger payload becomes this step's output (and flat keys).
  run: ({ data }) => ({ output: triggerPayload(data) }),
});
