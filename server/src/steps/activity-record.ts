import { z } from 'zod';
import { activityStore } from '../activities/store.js';
import { engineServices } from '../engine/services.js';
import { triggerPayload } from './shared-schemas.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

/** Offered in the editor; any other text is accepted too. */
export const ACTIVITY_SUGGESTIONS = [
  'meal_breakfast',
  'meal_lunch',
  'meal_dinner',
  'drink',
  'medication',
  'bathroom',
  'shower',
  'sleep',
  'wake_up',
  'exercise',
  'walk',
  'visitor',
  'left_home',
  'returned_home',
];

export default defineStepType({
  type: 'activity_record',
  category: 'care',
  title: 'Record an activity',
  description:
    'Records that a person did something (had lunch, took medication…) so a later “Verify activities” step can check it. Every field may use templates, so a prompt’s answer or a sensor reading can record it.',
  configSchema: z
    .object({
      activityType: z
        .string()
        .min(1)
        .max(100)
        .meta({ examples: ACTIVITY_SUGGESTIONS })
        .describe('What happened, e.g. meal_lunch, medication, bathroom, sleep'),
      person: z.string().max(200).optional().describe('Who did it, e.g. grandma; unknown when empty'),
      room: z.string().max(200).optional().describe('Where; the trigger’s room when empty'),
      confidence: z
        .union([z.number().min(0).max(1), z.string().min(1).max(200)])
        .default(0.8)
        .describe('How sure (0–1), a number or a template such as {{ vision.confidence }}'),
      metadata: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Extra details stored with the record; string values may use templates'),
      at: z
        .string()
        .max(200)
        .optional()
        .describe('When it happened (ISO date-time, may use templates); now when empty'),
      triggerCooloff: z.boolean().default(true).describe('A recorded activity consumes the flow’s cool-off'),
    })
    .strict(),
  ports: [MAIN_PORT],
  writes: () => ['activity'],
  run: (context) => {
    const { config, data, execution, step, now } = context;
    const type = String(config.activityType).trim();
    if (!type || type.length > 100) throw new Error('activityType is empty or longer than 100 characters');
    const confidence = Number(config.confidence);
    if (!Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
      throw new Error(`confidence "${String(config.confidence)}" is not a number from 0 to 1`);
    }
    const occurredAt = config.at ? new Date(config.at) : now();
    if (Number.isNaN(occurredAt.getTime())) throw new Error(`at "${config.at}" is not a date-time`);
    const payload = triggerPayload(data);
    const room = textOrNull(config.room) ?? textOrNull(payload.room ?? payload.room_name);
    const input = {
      type,
      person: textOrNull(config.person),
      room,
      confidence,
      metadata: config.metadata,
      occurredAt,
      flowId: execution.flowId,
      executionId: execution.id,
      stepKey: step.key,
    };
    if (engineServices(context).dryRun) {
      return { output: { dryRun: true, activity: { ...input, occurredAt: occurredAt.toISOString() } } };
    }
    const activity = activityStore(context).record(input);
    return {
      output: {
        activity: {
          id: activity.id,
          type,
          person: activity.person,
          room,
          confidence,
          at: occurredAt.toISOString(),
        },
      },
      cooloff: config.triggerCooloff,
    };
  },
});

const textOrNull = (value: unknown) =>
  typeof value === 'string' && value.trim() ? value.trim() : typeof value === 'number' ? String(value) : null;
