import { z } from 'zod';
import { engineServices } from '../engine/services.js';
import { defineStepType } from './step-type.js';

export default defineStepType({
  type: 'cooldown',
  category: 'condition',
  title: 'Cooldown',
  description: 'Lets a run pass at most once per period (per flow or per node) and blocks the rest.',
  configSchema: z
    .object({
      minutes: z.number().positive().describe('Length of the quiet period'),
      per: z.enum(['flow', 'node']).default('flow').describe('Count per flow, or separately for each node'),
    })
    .strict(),
  ports: [
    { name: 'pass', label: 'Pass' },
    { name: 'blocked', label: 'Blocked' },
  ],
  writes: () => ['passed', 'nextAllowedAt'],
  run: (context) => {
    const { config, data, step } = context;
    const trigger = data.trigger as { node?: { id?: unknown } } | undefined;
    const node = config.per === 'node' ? String(trigger?.node?.id ?? 'no-node') : undefined;
    // Keyed by step, so two cooldown steps of one flow keep separate clocks.
    const key = node === undefined ? step.key : `${step.key}.${node}`;
    const { passed, nextAllowedAt } = engineServices(context).cooldown.tryPass(key, config.minutes * 60_000);
    return {
      output: { passed, nextAllowedAt: nextAllowedAt?.toISOString() ?? null },
      ports: [passed ? 'pass' : 'blocked'],
    };
  },
});
