import { z } from 'zod';
import { careServices, targetFromConfig } from '../care/index.js';
import { channelBase, defineChannel } from './channel.js';

export default defineChannel({
  type: 'tablet_popup',
  title: 'Tablet popup',
  description: 'Shows the message as a large caption on the senior’s tablet (the seed’s pwa_popup_text).',
  configSchema: z
    .object({
      type: z.literal('tablet_popup'),
      ...channelBase,
      deviceId: z.string().optional().describe('Tablet to show it on; every tablet when empty'),
      room: z.string().max(80).optional().describe('Every tablet in this room (when no tablet is set)'),
      seconds: z.number().int().min(5).max(3600).default(60).describe('How long it stays on screen'),
    })
    .strict(),
  configured: () => true,
  payload: (message, settings) => ({ text: message.text, seconds: settings.seconds }),
  deliver: (payload, settings, context) => {
    const { text, seconds } = payload as { text: string; seconds: number };
    const { delivery, online } = careServices(context).deliver({
      ...targetFromConfig(settings),
      kind: 'popup',
      executionId: null,
      stepKey: null,
      payload: { text, dismissSeconds: seconds },
      validSeconds: seconds,
    });
    // Shown later on a tablet that connects within `seconds`, but not a delivery to report as done now.
    if (online.length === 0) throw new Error('no tablet is online');
    return { deliveryId: delivery.id, tablets: online.map((device) => device.name) };
  },
});
