import { z } from 'zod';
import { actionServices } from '../actions/services.js';
import type { ChannelResult } from '../channels/channel.js';
import { composeMessage } from '../channels/message.js';
import { discoverChannels } from '../channels/registry.js';
import { errorMessage } from '../engine/errors.js';
import { alertLevel, templateString } from './shared-schemas.js';
import { defineStepType, ERROR_PORT, MAIN_PORT, SKIP_RULE } from './step-type.js';

// The config schema is the union of every channel's own schema, so channels must be known first.
const channels = await discoverChannels();

export default defineStepType({
  type: 'notification',
  category: 'action',
  title: 'Notification',
  description:
    'Sends one message to several channels (in-app alert, Slack, Teams, JSON webhook), each with its own template.',
  configSchema: z
    .object({
      level: alertLevel.default('warning'),
      title: z
        .string()
        .max(200)
        .optional()
        .describe('Headline for rich channels (Slack, Teams); "<Level> · <flow>" when empty'),
      message: templateString(
        'Default message for every channel, e.g. "{node_name} {metric} hit {value} (threshold {threshold})"',
      ),
      nodeId: z.string().optional().describe('Node the notification is about; the trigger node when empty'),
      channels: z
        .array(channels.configSchema())
        .min(1)
        .max(20)
        .default([{ type: 'in_app' }])
        .describe(
          `Where to deliver, each with its own settings and optional template (${channels.types().join(', ')})`,
        ),
      triggerCooloff: z
        .boolean()
        .default(true)
        .describe('A delivered notification consumes the flow’s cool-off'),
      timeoutSeconds: z.number().positive().max(120).default(10).describe('Time limit per outbound channel'),
      honourSuppression: z
        .boolean()
        .default(true)
        .describe(
          'Send nothing when an earlier step wrote notification_suppressed: true (an llm_call that judged no notification needed)',
        ),
    })
    .strict(),
  references: [{ path: 'nodeId', entity: 'node' }],
  ports: [MAIN_PORT, { ...ERROR_PORT, description: `Every channel failed. ${SKIP_RULE}` }],
  declaredDurationMs: (config) => config.timeoutSeconds * 1000,
  writes: () => ['notification_dispatched', 'notification_channels'],
  run: async (context) => {
    const { config, signal } = context;
    const services = actionServices(context);
    const channelContext = { services, signal, timeoutMs: config.timeoutSeconds * 1000 };
    if (config.honourSuppression && context.data.notification_suppressed === true) {
      const suppressed = config.channels.map((settings): ChannelResult => ({
        channel: settings.type,
        delivered: false,
        reason: 'suppressed',
      }));
      return {
        output: {
          notification_dispatched: false,
          notification_channels: suppressed,
          message: config.message,
        },
        cooloff: false,
      };
    }
    const results = await Promise.all(
      config.channels.map(async (settings): Promise<ChannelResult> => {
        const channel = settings.type;
        const definition = channels.get(channel)!;
        if (settings.enabled === false) return { channel, delivered: false, reason: 'disabled' };
        if (!definition.configured(settings)) return { channel, delivered: false, reason: 'not_configured' };
        const text =
          typeof settings.template === 'string' && settings.template ? settings.template : config.message;
        const message = composeMessage(context, {
          text,
          title: config.title,
          level: config.level,
          nodeId: config.nodeId,
        });
        const payload = definition.payload(message, settings);
        // testStep: show what would go out, deliver nothing.
        if (services.dryRun) return { channel, delivered: false, reason: 'dry_run', wouldSend: payload };
        try {
          return {
            channel,
            delivered: true,
            ...(await definition.deliver(payload, settings, channelContext)),
          };
        } catch (error) {
          return { channel, delivered: false, reason: 'failed', error: errorMessage(error) };
        }
      }),
    );
    const failed = results.filter((result) => result.reason === 'failed');
    const delivered = results.some((result) => result.delivered);
    // Nothing got through although something was tried: a failure for the step's error strategy (a
    // retry then re-sends nothing twice). A partial failure is reported in the output instead.
    if (!delivered && failed.length > 0) {
      throw new Error(
        `no channel delivered: ${failed.map((result) => `${result.channel}: ${result.error}`).join('; ')}`,
      );
    }
    return {
      output: { notification_dispatched: delivered, notification_channels: results, message: config.message },
      cooloff: delivered && config.triggerCooloff,
    };
  },
});
