import { z } from 'zod';
import { defineStepType, MAIN_PORT } from './step-type.js';
import { triggerPayload } from './shared-schemas.js';

export default defineStepType({
  type: 'webhook',
  category: 'trigger',
  title: 'Webhook',
  description:
    'Fires when an outside system posts to this step’s unguessable URL. The trigger payload is `{ method, body, query, headers, received_at }`: the posted JSON is under `trigger.payload.body` (e.g. `trigger.payload.body.button`), the query string under `trigger.payload.query`, the headers listed in includeHeaders under `trigger.payload.headers`.',
  configSchema: z
    .object({
      includeHeaders: z.array(z.string()).default([]).describe('Request headers copied into the payload'),
    })
    .strict(),
  // The shape triggers/webhooks.ts builds; save-time checks refuse `trigger.payload.button`.
  payload: { keys: ['method', 'body', 'query', 'headers', 'received_at'], suggest: 'body' },
  writes: () => ['method', 'body', 'query', 'headers', 'received_at'],
  ports: [MAIN_PORT],
  // The engine starts here; the trigger payload becomes this step's output (and flat keys).
  run: ({ data }) => ({ output: triggerPayload(data) }),
});
