import { z } from 'zod';
import { careServices, targetFromConfig } from '../care/index.js';
import { templateString } from './shared-schemas.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

export default defineStepType({
  type: 'tts_announcement',
  category: 'care',
  title: 'Spoken announcement',
  description:
    'Speaks a message aloud on the tablet and shows it as a caption; waits briefly for the tablets to report that they spoke it.',
  configSchema: z
    .object({
      message: templateString('What to say, e.g. "Good morning, it is {{system.local_time}}"'),
      deviceId: z.string().optional().describe('Tablet to speak on; every tablet when empty'),
      room: z
        .string()
        .max(80)
        .optional()
        .describe('Speak on every tablet in this room (when no tablet is set)'),
      rate: z
        .number()
        .min(0.5)
        .max(2)
        .optional()
        .describe(
          'Speaking rate; the tablet’s own rate when empty (a little slower than normal is easier to follow)',
        ),
      waitSeconds: z
        .number()
        .min(1)
        .max(25)
        .default(10)
        .describe('How long to wait for the tablets to report that they spoke it'),
      validMinutes: z
        .number()
        .min(1)
        .max(24 * 60)
        .default(5)
        .describe('A tablet that connects within this time still shows (and speaks) it'),
    })
    .strict(),
  references: [{ path: 'deviceId', entity: 'device' }],
  declaredDurationMs: (config) => config.waitSeconds * 1000,
  ports: [
    MAIN_PORT,
    {
      name: 'not_delivered',
      label: 'Not spoken',
      description: 'No targeted tablet was online, or none reported that it spoke the message',
    },
  ],
  writes: () => ['announcement'],
  run: async ({ config, execution, step, signal, ...context }) => {
    const care = careServices(context);
    const { delivery, online } = care.deliver({
      ...targetFromConfig(config),
      kind: 'announcement',
      executionId: execution.id,
      stepKey: step.key,
      payload: { text: config.message, ...(config.rate !== undefined && { rate: config.rate }) },
      validSeconds: config.validMinutes * 60,
    });
    const reported = online.length
      ? await care.awaitReports(
          delivery.id,
          online.map((device) => device.id),
          config.waitSeconds * 1000,
          signal,
        )
      : delivery;
    const reports = Object.entries(reported.reports).map(([deviceId, report]) => ({ deviceId, ...report }));
    const spokenBy = reports
      .filter((report) => report.status === 'spoken')
      .map((report) => report.deviceName);
    const status = online.length === 0 ? 'not_delivered' : spokenBy.length ? 'spoken' : 'not_spoken';
    return {
      output: {
        announcement: {
          deliveryId: delivery.id,
          status,
          spokenBy,
          reports,
          onlineTablets: online.map((device) => device.name),
          message: config.message,
        },
      },
      ports: [spokenBy.length ? 'main' : 'not_delivered'],
      cooloff: spokenBy.length > 0,
    };
  },
});
