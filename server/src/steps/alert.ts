import { z } from 'zod';
import { triggerNodeId } from '../channels/message.js';
import { engineServices } from '../engine/services.js';
import { alertLevel, templateString } from './shared-schemas.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

export default defineStepType({
  type: 'alert',
  category: 'action',
  title: 'Alert',
  description: 'Raises an alert that caregivers see and acknowledge in the app.',
  configSchema: z
    .object({
      level: alertLevel.default('warning'),
      message: templateString(
        'Message, e.g. "Node {node_name} {metric} hit {value} (threshold {threshold})"',
      ),
      nodeId: z.string().optional().describe('Node the alert is about; the trigger node when empty'),
    })
    .strict(),
  references: [{ path: 'nodeId', entity: 'node' }],
  ports: [MAIN_PORT],
  writes: () => ['alertId', 'level', 'message'],
  run: (context) => {
    const { config, data } = context;
    const nodeId = config.nodeId || triggerNodeId(data);
    const alert = engineServices(context).alerts.raise({
      level: config.level,
      message: config.message,
      nodeId,
    });
    return {
      output: { alertId: alert.id, level: config.level, message: config.message, nodeId: alert.nodeId },
      // Raising an alert is what a person notices: the run consumes the flow's cool-off.
      cooloff: true,
    };
  },
});
