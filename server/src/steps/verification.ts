import { z } from 'zod';
import { activityStore, type ActivityFilter } from '../activities/store.js';
import { flowTimeZone, isValidTimeZone, wallClock, zonedInstant } from './shared-schemas.js';
import { defineStepType } from './step-type.js';

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const clock = (what: string) => z.string().regex(CLOCK, 'a local time as HH:MM (24-hour)').describe(what);
const withinMinutes = z
  .number()
  .positive()
  .max(60 * 24 * 31)
  .describe('Look back this many minutes from now');

const conditionSchema = z
  .object({
    activityType: z.string().min(1).max(100).describe('Activity to look for, e.g. meal_lunch'),
    person: z
      .string()
      .max(200)
      .optional()
      .describe('Only this person (templates allowed); anyone when empty'),
    room: z.string().max(200).optional().describe('Only this room (templates allowed); any when empty'),
    completed: z
      .boolean()
      .default(true)
      .describe('True: the activity must have happened. False: it must not have happened'),
    withinMinutes: withinMinutes.optional(),
    windowStart: clock('Window from (local HH:MM today), instead of withinMinutes').optional(),
    windowEnd: clock('Window until (local HH:MM today); before windowStart means since yesterday').optional(),
    minConfidence: z.number().min(0).max(1).default(0.5).describe('Ignore records less sure than this'),
  })
  .strict();

type Condition = z.output<typeof conditionSchema>;
type Window = { since: Date; until: Date };

export default defineStepType({
  type: 'verification',
  category: 'condition',
  title: 'Verify activities',
  description:
    'Checks whether activities were recorded (or not) within a time window — the last N minutes, or a wall-clock window today in the flow’s time zone — and continues on “verified” or “not verified”. “Remind her if she has not had lunch by 14:00” is a schedule, this step and a reminder.',
  configSchema: z
    .object({
      conditions: z.array(conditionSchema).min(1).max(20).describe('What must (or must not) have happened'),
      matchMode: z
        .enum(['all', 'any'])
        .default('all')
        .describe('all: every condition must hold; any: one is enough'),
      withinMinutes: withinMinutes.optional().describe('Window for conditions that set none'),
      windowStart: clock('Wall-clock window from, for conditions that set none').optional(),
      windowEnd: clock('Wall-clock window until, for conditions that set none').optional(),
      timezone: z.string().optional().describe('IANA time zone for windows; the flow’s when empty'),
    })
    .strict()
    .superRefine((config, issues) => {
      config.conditions.forEach((condition, index) => {
        const own = condition.withinMinutes !== undefined || !!condition.windowStart || !!condition.windowEnd;
        const source = own ? condition : config;
        if (!!source.windowStart !== !!source.windowEnd) {
          issues.addIssue({
            code: 'custom',
            path: own ? ['conditions', index, 'windowEnd'] : ['windowEnd'],
            message: 'set both windowStart and windowEnd',
          });
        } else if (source.withinMinutes === undefined && !source.windowStart) {
          issues.addIssue({
            code: 'custom',
            path: ['conditions', index, 'withinMinutes'],
            message: 'set withinMinutes or windowStart/windowEnd here or on the step',
          });
        }
      });
    }),
  ports: [
    { name: 'verified', label: 'Verified', description: 'The conditions hold (all, or any).' },
    { name: 'not_verified', label: 'Not verified', description: 'They do not.' },
  ],
  check: (config) =>
    config.timezone && !isValidTimeZone(config.timezone)
      ? [{ field: 'timezone', message: `unknown time zone "${config.timezone}"` }]
      : [],
  writes: () => ['verification'],
  run: (context) => {
    const { config, data, now } = context;
    const store = activityStore(context);
    const at = now();
    const timezone = flowTimeZone(data, config.timezone);
    const matched: Array<Record<string, unknown>> = [];
    const unmatched: Array<Record<string, unknown>> = [];
    for (const condition of config.conditions) {
      const window = windowOf(condition, config, at, timezone);
      const filter: ActivityFilter = {
        types: [condition.activityType],
        ...(condition.person?.trim() && { person: condition.person.trim() }),
        ...(condition.room?.trim() && { room: condition.room.trim() }),
        since: window.since,
        until: window.until,
        minConfidence: condition.minConfidence,
      };
      const { rows, total } = store.list(filter, { limit: 1, offset: 0 });
      const latest = rows[0];
      const entry = {
        activityType: condition.activityType,
        person: condition.person || null,
        room: condition.room || null,
        completed: condition.completed,
        found: total,
        latest: latest
          ? {
              id: latest.id,
              at: latest.occurredAt.toISOString(),
              confidence: latest.confidence,
              person: latest.person,
            }
          : null,
        window: { since: window.since.toISOString(), until: window.until.toISOString() },
      };
      (total > 0 === condition.completed ? matched : unmatched).push(entry);
    }
    const verified = config.matchMode === 'all' ? unmatched.length === 0 : matched.length > 0;
    return {
      output: {
        verification: {
          verified,
          matchMode: config.matchMode,
          matchedConditions: matched,
          unmatchedConditions: unmatched,
        },
      },
      ports: [verified ? 'verified' : 'not_verified'],
    };
  },
});

/** The condition's window, else the step's: the last N minutes, or HH:MM–HH:MM today in the zone. */
function windowOf(
  condition: Condition,
  step: { withinMinutes?: number; windowStart?: string; windowEnd?: string },
  now: Date,
  timezone: string,
): Window {
  const own = condition.withinMinutes !== undefined || !!condition.windowStart;
  const source = own ? condition : step;
  if (source.withinMinutes !== undefined) {
    return { since: new Date(now.getTime() - source.withinMinutes * 60_000), until: now };
  }
  const today = wallClock(now, timezone);
  const local = (clockTime: string, dayOffset: number) => {
    const [hour, minute] = clockTime.split(':').map(Number) as [number, number];
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day + dayOffset));
    return zonedInstant(
      { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour, minute },
      timezone,
    );
  };
  const crossesMidnight = source.windowEnd! <= source.windowStart!;
  return { since: local(source.windowStart!, crossesMidnight ? -1 : 0), until: local(source.windowEnd!, 0) };
}
