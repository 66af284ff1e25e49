import { z } from 'zod';
import { channelBase, defineChannel, webhookUrl, type ChannelMessage } from './channel.js';
import { deliverToWebhook, hasWebhookUrl } from './post.js';

/** The generic JSON body: flat, stable keys a home-automation or ticketing endpoint can map. */
export function jsonPayload(message: ChannelMessage) {
  return {
    source: 'kinflow',
    level: message.level,
    title: message.title,
    message: message.text,
    nodeId: message.nodeId,
    flow: message.flowName,
    executionId: message.executionId,
    step: message.stepKey,
    sentAt: message.sentAt,
  };
}

export const headersSchema = z
  .record(z.string().min(1).max(200), z.string().max(4000))
  .default({})
  .describe('Extra request headers, e.g. Authorization');

export default defineChannel({
  type: 'webhook',
  title: 'Webhook (JSON)',
  description: 'POSTs a JSON document (level, title, message, node, flow, run) to any URL.',
  configSchema: z
    .object({
      type: z.literal('webhook'),
      ...channelBase,
      url: webhookUrl('URL that receives the JSON POST'),
      headers: headersSchema,
    })
    .strict(),
  configured: hasWebhookUrl,
  payload: (message) => jsonPayload(message),
  deliver: deliverToWebhook,
});
