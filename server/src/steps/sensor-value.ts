import { z } from 'zod';
import { comparisonOperator, triggerPayload } from './shared-schemas.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

export default defineStepType({
  type: 'sensor_value',
  category: 'trigger',
  title: 'Sensor value',
  description:
    'Fires when a telemetry metric crosses into a condition (not on every reading while it stays there), for one node, nodes matching a selector, or any node.',
  configSchema: z
    .object({
      metric: z.string().min(1).describe('Metric name, e.g. "temperature"'),
      nodeId: z.string().optional().describe('Only this node'),
      nodeTags: z.array(z.string()).optional().describe('Only nodes carrying all of these tags'),
      nodeKind: z.string().optional().describe('Only nodes of this kind'),
      operator: comparisonOperator,
      value: z.number().describe('The value the metric is compared with'),
      hysteresis: z
        .number()
        .min(0)
        .default(0)
        .describe('How far the value must fall back before it can fire again'),
      forSeconds: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe('How long the condition must hold before firing'),
    })
    .strict(),
  references: [{ path: 'nodeId', entity: 'node' }],
  ports: [MAIN_PORT],
  // The engine starts here; the trigger payload becomes this step's output (and flat keys).
  run: ({ data }) => ({ output: triggerPayload(data) }),
});
