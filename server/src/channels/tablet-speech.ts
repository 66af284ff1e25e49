import { z } from 'zod';
import { careServices, targetFromConfig } from '../care/index.js';
import { channelBase, defineChannel } from './channel.js';

export default defineChannel({
  type: 'tablet_speech',
  title: 'Tablet speech',
  description:
    'Speaks the message on the senior’s tablet and waits briefly for it to report back (the seed’s pwa_tts_announcement).',
  configSchema: z
    .object({
      type: z.literal('tablet_speech'),
      ...channelBase,
      deviceId: z.string().optional().describe('Tablet to speak on; every tablet when empty'),
      room: z.string().max(80).optional().describe('Every tablet in this room (when no tablet is set)'),
      waitSeconds: z.number().min(1).max(25).default(8).describe('How long to wait for the tablet’s report'),
    })
    .strict(),
  configured: () => true,
  payload: (message) => ({ text: message.text }),
  deliver: async (payload, settings, context) => {
    const care = careServices(context);
    const { delivery, online } = care.deliver({
      ...targetFromConfig(settings),
      kind: 'announcement',
      executionId: null,
      stepKey: null,
      payload: payload as Record<string, unknown>,
      validSeconds: 300,
    });
    if (online.length === 0) throw new Error('no tablet is online');
    const waitMs = Math.min(settings.waitSeconds * 1000, context.timeoutMs);
    const reported = await care.awaitReports(
      delivery.id,
      online.map((device) => device.id),
      waitMs,
      context.signal,
    );
    const reports = Object.values(reported.reports);
    const spokenBy = reports
      .filter((report) => report.status === 'spoken')
      .map((report) => report.deviceName);
    if (spokenBy.length === 0) {
      const failed = reports.find((report) => report.status === 'failed');
      throw new Error(
        failed ? `the tablet could not speak: ${failed.reason ?? 'no reason'}` : 'no tablet reported',
      );
    }
    return { deliveryId: delivery.id, spokenBy };
  },
});
