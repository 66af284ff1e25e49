import { z } from 'zod';
import { careServices, decodeCardId, targetFromConfig } from '../care/index.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

export default defineStepType({
  type: 'info_card',
  category: 'care',
  title: 'Info card',
  description:
    'Shows an approved info card (title, text, image) full screen on the tablet, closing itself after a while.',
  configSchema: z
    .object({
      cardId: z.string().min(1).describe('The approved info card to show (its ID)'),
      deviceId: z.string().optional().describe('Tablet to show it on; every tablet when empty'),
      room: z
        .string()
        .max(80)
        .optional()
        .describe('Show it on every tablet in this room (when no tablet is set)'),
      dismissSeconds: z
        .number()
        .int()
        .min(5)
        .max(3600)
        .default(60)
        .describe('The card closes itself after this many seconds'),
    })
    .strict(),
  ports: [MAIN_PORT],
  writes: () => ['info_card'],
  run: ({ config, execution, step, ...context }) => {
    const care = careServices(context);
    const card = care.card(decodeCardId(config.cardId));
    if (!card) throw new Error(`info card ${config.cardId} does not exist`);
    // Approval is checked at save time too; a card un-approved since must not reach the senior.
    if (!card.approved) throw new Error(`info card "${card.title}" is not approved`);
    const { delivery, online } = care.deliver({
      ...targetFromConfig(config),
      kind: 'card',
      executionId: execution.id,
      stepKey: step.key,
      payload: { cardId: card.id, dismissSeconds: config.dismissSeconds },
      validSeconds: config.dismissSeconds,
    });
    return {
      output: {
        info_card: {
          deliveryId: delivery.id,
          cardId: card.id,
          title: card.title,
          dismissSeconds: config.dismissSeconds,
          onlineTablets: online.map((device) => device.name),
        },
      },
      cooloff: true,
    };
  },
});
