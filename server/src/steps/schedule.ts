import { Cron } from 'croner';
import { z } from 'zod';
import { isValidTimeZone, triggerPayload } from './shared-schemas.js';
import { defineStepType, MAIN_PORT, type ConfigIssue } from './step-type.js';

export default defineStepType({
  type: 'schedule',
  category: 'trigger',
  title: 'Schedule',
  description: 'Fires on a cron schedule in a time zone, for example every morning at 9.',
  configSchema: z
    .object({
      cron: z.string().min(1).describe('Cron expression (5 or 6 fields), e.g. "0 9 * * *"'),
      timezone: z.string().default('UTC').describe('IANA time zone, e.g. "Europe/Berlin"'),
    })
    .strict(),
  ports: [MAIN_PORT],
  // The engine starts here; the trigger payload becomes this step's output (and flat keys).
  run: ({ data }) => ({ output: triggerPayload(data) }),
  check(config) {
    const issues: ConfigIssue[] = [];
    if (!isValidTimeZone(config.timezone)) {
      issues.push({ field: 'timezone', message: `unknown time zone "${config.timezone}"` });
    }
    try {
      new Cron(config.cron, { paused: true });
    } catch (error) {
      issues.push({ field: 'cron', message: `invalid cron expression: ${(error as Error).message}` });
    }
    return issues;
  },
});
