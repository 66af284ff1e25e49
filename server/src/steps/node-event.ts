import { z } from 'zod';
import { defineStepType, MAIN_PORT } from './step-type.js';
import { triggerPayload } from './shared-schemas.js';

export default defineStepType({
  type: 'node_event',
  category: 'trigger',
  title: 'Node event',
  description:
    'Fires on a node lifecycle or state event: registered, online, offline, state change, or a custom event.',
  configSchema: z
    .object({
      event: z.enum(['registered', 'online', 'offline', 'state_changed', 'custom']).describe('Which event'),
      nodeId: z.string().optional().describe('Only this node; any node when empty'),
      customEvent: z.string().optional().describe('Name of the custom event (event = custom)'),
      offlineAfterSeconds: z
        .number()
        .int()
        .min(10)
        .default(120)
        .describe('A node counts as offline after this long without a heartbeat'),
    })
    .strict()
    .refine((c) => c.event !== 'custom' || !!c.customEvent, {
      message: 'customEvent is required when event is custom',
      path: ['customEvent'],
    }),
  references: [{ path: 'nodeId', entity: 'node' }],
  ports: [MAIN_PORT],
  // The engine starts here; the trigger payload becomes this step's output (and flat keys).
  run: ({ data }) => ({ output: triggerPayload(data) }),
});
