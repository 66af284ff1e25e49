import { z } from 'zod';
import { engineServices, type ChildRunResult } from '../engine/services.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

export default defineStepType({
  type: 'trigger_flow',
  category: 'flow',
  title: 'Run another flow',
  description:
    'Starts another flow (by name or id) with a payload, optionally waiting for its result. Nesting is limited to 10 levels and a flow can never start itself again further down the chain.',
  configSchema: z
    .object({
      flowName: z.string().min(1).optional().describe('Name of the flow to run'),
      flowId: z.string().min(1).optional().describe('Id of the flow to run (instead of the name)'),
      payload: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Trigger payload for the other flow; string values may use templates'),
      waitForResult: z.boolean().default(false).describe('Wait until the other flow finishes'),
      timeoutSeconds: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 3600)
        .default(300)
        .describe('How long to wait for the result'),
    })
    .strict()
    .refine((c) => !!c.flowName || !!c.flowId, { message: 'set flowName or flowId', path: ['flowName'] }),
  references: [
    { path: 'flowId', entity: 'flow' },
    { path: 'flowName', entity: 'flow', form: 'name' },
  ],
  ports: [MAIN_PORT],
  writes: () => ['flowRun'],
  run: async (context) => {
    const { config, resume, now } = context;
    const services = engineServices(context);
    const target = config.flowName ?? config.flowId;
    if (resume) {
      const childId = String(resume.waitingFor?.executionId ?? '');
      const result =
        (resume.event?.result as ChildRunResult | undefined) ?? services.flows.childResult(childId);
      if (!result) throw new Error(`flow "${target}" did not finish within ${config.timeoutSeconds} s`);
      if (result.status !== 'completed') {
        throw new Error(
          `flow "${result.flowName}" ${result.status}: ${result.error?.message ?? 'no reason given'}`,
        );
      }
      return { output: { flowRun: result } };
    }
    const child = await services.flows.start({
      flowId: config.flowId,
      flowName: config.flowId ? undefined : config.flowName,
      payload: config.payload,
      wait: config.waitForResult,
    });
    if (!config.waitForResult) return { output: { flowRun: child } };
    return {
      output: { flowRun: child },
      wait: {
        until: new Date(now().getTime() + config.timeoutSeconds * 1000),
        for: { kind: 'execution', executionId: child.executionId },
      },
    };
  },
});
