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
      rateLimit: z
        .object({
          perMinute: z
            .number()
            .int()
            .min(1)
            .max(600_000)
            .optional()
            .describe(
              'Requests per minute this URL sustains (server default KINFLOW_WEBHOOK_RATE_PER_MINUTE)',
            ),
          burst: z
            .number()
            .int()
            .min(1)
            .max(10_000)
            .optional()
            .describe(
              'Requests this URL takes at once after a quiet spell (server default KINFLOW_WEBHOOK_BURST)',
            ),
        })
        .strict()
        .optional()
        .describe('This URL’s own rate limit; callers beyond it get 429 with Retry-After'),
    })
    .strict(),
  // The shape triggers/webhooks.ts builds; save-time checks refuse `trigger.payload.button`.
  payload: { keys: ['method', 'body', 'query', 'headers', 'received_at'], suggest: 'body' },
  writes: () => ['method', 'body', 'query', 'headers', 'received_at'],
  ports: [MAIN_PORT],
  // The engine starts here; the trigger payload becomes this step's output (and flat keys).
  run: ({ data }) => ({ output: triggerPayload(data) }),
});
