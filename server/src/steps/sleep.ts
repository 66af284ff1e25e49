import { z } from 'zod';
import { engineServices } from '../engine/services.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

export default defineStepType({
  type: 'sleep',
  category: 'flow',
  title: 'Sleep',
  description:
    'Pauses the run briefly in memory (at most a minute). For longer pauses, or ones that must survive a restart, use Wait.',
  configSchema: z
    .object({
      seconds: z.number().min(0).max(60).describe('How long to pause, up to 60 seconds'),
    })
    .strict(),
  ports: [MAIN_PORT],
  declaredDurationMs: (config) => config.seconds * 1000,
  writes: () => ['sleptMs'],
  run: async (context) => {
    const services = engineServices(context);
    const ms = Math.min(Math.round(context.config.seconds * 1000), services.limits.maxSleepMs);
    await services.sleep(ms, context.signal);
    return { output: { sleptMs: ms } };
  },
});
