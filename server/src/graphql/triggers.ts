import { InputValidationError } from './input-validation.js';
import { z } from 'zod';
import { FlowStep } from '../db/entities/index.js';
import { NotFoundError } from '../flows/errors.js';
import { cronPreview } from '../triggers/cron.js';
import { WEBHOOK_PATH_PREFIX } from '../http/webhook-route.js';
import { builder } from './builder.js';
import { FlowRef } from './flow-types.js';

const CronPreviewRef = builder.simpleObject('CronPreview', {
  description: 'Whether a cron expression is valid, what it means, and when it would run next.',
  fields: (t) => ({
    valid: t.boolean({ description: 'Whether the expression parses.' }),
    error: t.string({ nullable: true, description: 'Why it does not, when invalid.' }),
    description: t.string({
      description: 'In words, e.g. "At 09:00 AM, Monday through Friday"; empty when invalid.',
    }),
    timezone: t.string({ description: 'The IANA time zone the runs are computed in.' }),
    nextRuns: t.field({ type: ['DateTime'], description: 'The next runs (5 unless asked otherwise).' }),
  }),
});

const WebhookUrlRef = builder.simpleObject('WebhookUrl', {
  description:
    'A webhook trigger’s secret URL. Only a hash is stored, so this is the one time the token is shown: copy it now.',
  fields: (t) => ({
    path: t.string({ description: 'Path to POST to, relative to the server, e.g. `/v1/hooks/AbC…`.' }),
    token: t.string({ description: 'The secret token (the last part of the path).' }),
    previousValidUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Until when the replaced URL keeps working (null: it stopped at once, or there was none).',
    }),
  }),
});

builder.queryFields((t) => ({
  cronPreview: t.field({
    type: CronPreviewRef,
    description: 'Checks a cron expression for the schedule trigger and lists its next runs in a time zone.',
    authScopes: { read: true },
    args: {
      expression: t.arg.string({ required: true, description: 'Cron expression, 5 or 6 fields.' }),
      timezone: t.arg.string({ description: 'IANA time zone; the server’s KINFLOW_TIMEZONE when omitted.' }),
      count: t.arg.int({
        description: 'How many runs to list (1–50, default 5).',
        validate: z.number().int().min(1).max(50),
      }),
    },
    resolve: (_root, args, { services }) => {
      const preview = cronPreview(
        args.expression,
        args.timezone ?? services.config.timezone,
        args.count ?? 5,
      );
      return { ...preview, error: preview.error ?? null };
    },
  }),
}));

builder.mutationFields((t) => ({
  issueWebhookUrl: t.field({
    type: WebhookUrlRef,
    description:
      'Creates the secret URL of a webhook trigger step, or replaces it (token rotation). The old URL keeps working for `graceMinutes`.',
    authScopes: { write: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: {
      flowId: t.arg.globalID({ required: true, for: FlowRef, description: 'Global ID of the flow.' }),
      stepKey: t.arg.string({ required: true, description: 'Key of a `webhook` trigger step.' }),
      graceMinutes: t.arg.int({
        description: 'Minutes the previous URL stays valid (0–10080, default 0).',
        validate: z.number().int().min(0).max(10_080),
      }),
    },
    resolve: async (_root, args, { em, services }) => {
      const step = await em.findOne(FlowStep, { flow: args.flowId.id, key: args.stepKey, type: 'webhook' });
      if (!step) throw new NotFoundError('webhook step', args.stepKey);
      const issued = services.triggers.webhooks.issue(
        args.flowId.id,
        args.stepKey,
        (args.graceMinutes ?? 0) * 60_000,
      );
      return { path: `${WEBHOOK_PATH_PREFIX}${issued.token}`, ...issued };
    },
  }),
}));
