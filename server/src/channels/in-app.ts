import { z } from 'zod';
import type { AlertLevel } from '../db/entities/index.js';
import { alertLevel } from '../steps/shared-schemas.js';
import { channelBase, defineChannel } from './channel.js';

export default defineChannel({
  type: 'in_app',
  title: 'In-app alert',
  description: 'Raises an alert caregivers see and acknowledge in the Kinflow app.',
  configSchema: z
    .object({
      type: z.literal('in_app'),
      ...channelBase,
      level: alertLevel.optional().describe('Alert level for this channel; the step level when empty'),
    })
    .strict(),
  configured: () => true,
  payload: (message, settings) => ({
    level: settings.level ?? message.level,
    message: message.text,
    nodeId: message.nodeId,
  }),
  deliver: (payload, _settings, context) => {
    const alert = payload as { level: AlertLevel; message: string; nodeId: string | null };
    const raised = context.services.alerts.raise(alert);
    return { alertId: raised.id, nodeId: raised.nodeId };
  },
});
