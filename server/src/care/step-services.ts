import type { EngineServices } from '../engine/services.js';
import type { StepContext } from '../steps/step-type.js';
import { loadCard, type CardContent } from './cards.js';
import type { DeliveryKind, DeliveryView } from './deliveries.js';
import type { OpenPromptInput, PromptView } from './prompts.js';
import type { CareService, TabletInfo } from './service.js';
import type { Target } from './targets.js';

/** What care steps and the tablet channels use, as `context.services.care`. */
export interface CareStepServices {
  openPrompt(input: OpenPromptInput): PromptView;
  /** The answer, or the timeout (recorded now) when there is none. */
  settlePrompt(id: string): PromptView | undefined;
  deliver(
    input: Target & {
      kind: DeliveryKind;
      executionId: string | null;
      stepKey: string | null;
      payload: Record<string, unknown>;
      validSeconds: number;
    },
  ): { delivery: DeliveryView; online: TabletInfo[] };
  awaitReports(
    deliveryId: string,
    deviceIds: string[],
    ms: number,
    signal: AbortSignal,
  ): Promise<DeliveryView>;
  card(id: string): CardContent | undefined;
}

export function createCareStepServices(
  care: CareService,
  db: Parameters<typeof loadCard>[0],
): CareStepServices {
  return {
    openPrompt: (input) => {
      const prompt = care.prompts.open(input);
      care.publish({ deviceId: prompt.deviceId, room: prompt.room }, 'prompt_opened', prompt.id);
      return prompt;
    },
    settlePrompt: (id) => {
      const prompt = care.prompts.settle(id);
      if (prompt) care.publish({ deviceId: prompt.deviceId, room: prompt.room }, 'prompt_closed', prompt.id);
      return prompt;
    },
    deliver: (input) => {
      const delivery = care.deliveries.create(input);
      const online = care.onlineTargets(input);
      care.publish(input, 'delivery', delivery.id);
      return { delivery, online };
    },
    awaitReports: (deliveryId, deviceIds, ms, signal) => care.awaitReports(deliveryId, deviceIds, ms, signal),
    card: (id) => loadCard(db, id),
  };
}

/** The care services of a step, failing clearly when the server runs without them. */
export function careServices(
  context: Pick<StepContext<unknown>, 'services'> | { services: unknown },
): CareStepServices {
  const care = (context.services as Partial<EngineServices> & { care?: CareStepServices }).care;
  if (!care)
    throw new Error('tablet services are not configured on this server (EngineOptions.services.care)');
  return care;
}
