import { idempotencyKey, withIdempotencyKey } from '../net/idempotency.js';
import { z } from 'zod';
import { actionServices } from '../actions/services.js';
import { composeMessage } from '../channels/message.js';
import { postJson, targetOf } from '../channels/post.js';
import { slackPayload } from '../channels/slack.js';
import { teamsPayload } from '../channels/teams.js';
import { headersSchema, jsonPayload } from '../channels/webhook.js';
import { alertLevel } from './shared-schemas.js';
import { defineStepType, ERROR_PORT, MAIN_PORT } from './step-type.js';

const FORMATS = { slack: slackPayload, teams: teamsPayload, json: jsonPayload } as const;

export default defineStepType({
  type: 'webhook_out',
  category: 'action',
  title: 'Outbound webhook',
  description:
    'POSTs a Slack, Microsoft Teams or generic JSON message to a webhook URL. A failed delivery (network error, non-2xx) fails the step, so its error strategy (stop, skip, retry) applies.',
  configSchema: z
    .object({
      format: z
        .enum(['slack', 'teams', 'json'])
        .default('json')
        .describe('Slack incoming webhook, Teams Adaptive Card, or a generic JSON document'),
      url: z
        .string()
        .min(1)
        .max(2000)
        // Webhook URLs carry their token in the path: write-only and sealed at rest.
        .meta({ description: 'Webhook URL; private addresses only when allow-listed', writeOnly: true }),
      message: z
        .string()
        .max(4000)
        .default('')
        .describe('Message text, e.g. "Node {node_name} {metric} hit {value} (threshold {threshold})"'),
      title: z.string().max(200).optional().describe('Headline; "<Level> · <flow>" when empty'),
      level: alertLevel.default('info'),
      nodeId: z.string().optional().describe('Node the message is about; the trigger node when empty'),
      body: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('JSON format only: send this object (templates rendered) instead of the standard document'),
      headers: headersSchema,
      timeoutSeconds: z.number().positive().max(120).default(10).describe('Time limit for the request'),
    })
    .strict()
    .refine((config) => config.message.trim() !== '' || (config.format === 'json' && config.body), {
      message: 'a message is required (or, for the JSON format, a body)',
      path: ['message'],
    }),
  ports: [MAIN_PORT, ERROR_PORT],
  declaredDurationMs: (config) => config.timeoutSeconds * 1000,
  writes: () => ['delivered', 'status'],
  run: async (context) => {
    const { config, signal } = context;
    const services = actionServices(context);
    const message = composeMessage(context, {
      text: config.message,
      title: config.title,
      level: config.level,
      nodeId: config.nodeId,
    });
    const body = config.format === 'json' && config.body ? config.body : FORMATS[config.format](message);
    const target = targetOf(config.url);
    if (services.dryRun) {
      return { output: { delivered: false, dryRun: true, format: config.format, target, wouldSend: body } };
    }
    const response = await postJson(
      { services, signal, timeoutMs: config.timeoutSeconds * 1000 },
      config.url,
      body,
      withIdempotencyKey(
        config.headers,
        idempotencyKey(context.execution.id, context.step.key, context.step.instance),
      ),
    );
    return {
      output: {
        delivered: true,
        status: response.status,
        format: config.format,
        target,
        message: config.message,
        response: response.json ?? response.body.slice(0, 2000),
      },
    };
  },
});
