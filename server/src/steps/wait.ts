import { Cron } from 'croner';
import { z } from 'zod';
import { defineStepType, MAIN_PORT } from './step-type.js';

const CLOCK_TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

export default defineStepType({
  type: 'wait',
  category: 'flow',
  title: 'Wait',
  description:
    'Pauses the run for a duration or until a time. The wait is saved, so it resumes exactly once even across a restart; a wait that came due while the server was down resumes with trigger.late = true.',
  configSchema: z
    .object({
      minutes: z
        .number()
        .min(0)
        .max(60 * 24 * 366)
        .optional()
        .describe('How long to wait, in minutes'),
      seconds: z
        .number()
        .min(0)
        .max(60 * 60 * 24 * 366)
        .optional()
        .describe('Added to minutes'),
      until: z
        .string()
        .max(200)
        .optional()
        .describe('Wait until a local time "HH:MM" (the next one) or an ISO date-time; may use templates'),
    })
    .strict()
    .refine((c) => c.minutes !== undefined || c.seconds !== undefined || !!c.until, {
      message: 'set minutes, seconds or until',
      path: ['minutes'],
    }),
  ports: [MAIN_PORT],
  writes: () => ['waitedUntil', 'late'],
  run: ({ config, data, resume, now }) => {
    if (resume) {
      return { output: { waitedUntil: now().toISOString(), late: resume.reason === 'late' } };
    }
    const until = config.until
      ? resolveUntil(config.until, now(), timezoneOf(data))
      : new Date(now().getTime() + ((config.minutes ?? 0) * 60 + (config.seconds ?? 0)) * 1000);
    return { output: { until: until.toISOString() }, wait: { until, for: { kind: 'time' } } };
  },
});

function timezoneOf(data: Readonly<Record<string, unknown>>): string {
  const system = data.system as { timezone?: unknown } | undefined;
  return typeof system?.timezone === 'string' ? system.timezone : 'UTC';
}

/** "HH:MM" is the next such wall-clock time in the configured zone; anything else must be a date-time. */
function resolveUntil(until: string, now: Date, timezone: string): Date {
  const text = until.trim();
  const clock = CLOCK_TIME.exec(text);
  if (clock) {
    const next = new Cron(`${Number(clock[2])} ${Number(clock[1])} * * *`, {
      timezone,
      paused: true,
    }).nextRun(now);
    if (next) return next;
  }
  const parsed = new Date(text);
  if (Number.isNaN(parsed.getTime())) throw new Error(`"${until}" is neither HH:MM nor a date-time`);
  return parsed;
}
