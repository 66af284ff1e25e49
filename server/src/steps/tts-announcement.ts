import { z } from 'zod';
import { templateString } from './shared-schemas.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

export default defineStepType({
  type: 'tts_announcement',
  category: 'care',
  title: 'Spoken announcement',
  description: 'Speaks a message aloud on the tablet.',
  configSchema: z
    .object({
      message: templateString('What to say, e.g. "Good morning, it is {{system.local_time}}"'),
      deviceId: z.string().optional().describe('Tablet to speak on; every tablet when empty'),
      rate: z
        .number()
        .min(0.5)
        .max(2)
        .default(0.9)
        .describe('Speaking rate; a little slower than normal is easier to follow'),
    })
    .strict(),
  references: [{ path: 'deviceId', entity: 'device' }],
  ports: [MAIN_PORT],
});
