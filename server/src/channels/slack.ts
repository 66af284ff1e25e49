import { z } from 'zod';
import { channelBase, defineChannel, webhookUrl, type ChannelMessage } from './channel.js';
import { levelLabel } from './message.js';
import { deliverToWebhook, hasWebhookUrl } from './post.js';

const LEVEL_EMOJI = {
  emergency: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:',
  reminder: ':alarm_clock:',
};

/** Slack's mrkdwn treats &, < and > as control characters (links, mentions); user text must not. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * An incoming-webhook payload: `text` is the notification/fallback line, `blocks` the rich layout
 * (header, message section, context line). Limits from Slack's Block Kit: header 150, section 3000 chars.
 */
export function slackPayload(message: ChannelMessage) {
  return {
    text: `${message.title}: ${message.text}`.slice(0, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(message.text).slice(0, 3000) } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: escapeMrkdwn(
              `${LEVEL_EMOJI[message.level]} ${levelLabel(message.level)} · ${message.flowName} · ${message.sentAt}`,
            ),
          },
        ],
      },
    ],
  };
}

export default defineChannel({
  type: 'slack',
  title: 'Slack',
  description: 'Posts to a Slack channel through an incoming webhook (text + Block Kit blocks).',
  configSchema: z
    .object({
      type: z.literal('slack'),
      ...channelBase,
      url: webhookUrl('Incoming webhook URL (https://hooks.slack.com/services/…)'),
    })
    .strict(),
  configured: hasWebhookUrl,
  payload: (message) => slackPayload(message),
  deliver: deliverToWebhook,
});
