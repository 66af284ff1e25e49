import { z } from 'zod';
import { channelBase, defineChannel, webhookUrl, type ChannelMessage } from './channel.js';
import { levelLabel } from './message.js';
import { deliverToWebhook, hasWebhookUrl } from './post.js';

// Adaptive Card text colours that match the alert levels.
const LEVEL_COLOR = { emergency: 'Attention', warning: 'Warning', info: 'Accent', reminder: 'Good' } as const;

/**
 * A message with one Adaptive Card attachment: the shape Teams incoming webhooks and Power Automate
 * "post to a channel when a webhook request is received" workflows accept.
 */
export function teamsPayload(message: ChannelMessage) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              text: message.title,
              weight: 'Bolder',
              size: 'Medium',
              color: LEVEL_COLOR[message.level],
              wrap: true,
            },
            { type: 'TextBlock', text: message.text, wrap: true },
            {
              type: 'FactSet',
              facts: [
                { title: 'Level', value: levelLabel(message.level) },
                { title: 'Flow', value: message.flowName },
                { title: 'Time', value: message.sentAt },
              ],
            },
          ],
        },
      },
    ],
  };
}

export default defineChannel({
  type: 'teams',
  title: 'Microsoft Teams',
  description: 'Posts an Adaptive Card to a Teams channel through an incoming webhook or workflow URL.',
  configSchema: z
    .object({
      type: z.literal('teams'),
      ...channelBase,
      url: webhookUrl('Teams incoming webhook or workflow (Power Automate) URL'),
    })
    .strict(),
  configured: hasWebhookUrl,
  payload: (message) => teamsPayload(message),
  deliver: deliverToWebhook,
});
