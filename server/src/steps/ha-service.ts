import { z } from 'zod';
import { actionServices } from '../actions/services.js';
import { callService, HA_SLUG } from '../homeassistant/index.js';
import {
  defineStepType,
  ERROR_PORT,
  MAIN_PORT,
  StepNotConfiguredError,
  type StepSettings,
} from './step-type.js';

const NOT_CONFIGURED =
  'Home Assistant is not configured (set KINFLOW_HOME_ASSISTANT_URL and KINFLOW_HOME_ASSISTANT_TOKEN)';
const TEMPLATE = /\{/;

/** A domain or service: an HA slug, or a template that must render to one. */
const slug = (description: string) =>
  z
    .string()
    .min(1)
    .max(100)
    .refine((value) => TEMPLATE.test(value) || HA_SLUG.test(value), {
      message: 'lower-case letters, digits and _ (or a template)',
    })
    .describe(description);

export default defineStepType({
  type: 'ha_service',
  category: 'action',
  title: 'Home Assistant service',
  description:
    'Calls a Home Assistant service (turn on a light, lock a door, run a script or scene) through its REST API with the server’s long-lived token, and outputs `ha_action` with domain, service, entity_id, success and the states HA reports as changed. A refused or failed call fails the step, so its error strategy applies.',
  configSchema: z
    .object({
      domain: slug('Service domain, e.g. light, lock, script, scene'),
      service: slug('Service within the domain, e.g. turn_on, lock'),
      entityId: z
        .string()
        .max(255)
        .optional()
        .describe('Target entity (or comma-separated entities), e.g. light.kitchen; templates work'),
      data: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('Further service data, e.g. { "brightness_pct": 60 } (templates in strings work)'),
      returnResponse: z
        .boolean()
        .default(false)
        .describe('Ask for the service’s response data (only services that return data accept this)'),
      triggerCooloff: z.boolean().default(true).describe('A successful call consumes the flow’s cool-off'),
      timeoutSeconds: z.number().positive().max(120).default(10).describe('Time limit for the call'),
    })
    .strict(),
  ports: [MAIN_PORT, ERROR_PORT],
  unavailable: (settings) => (settings.homeAssistant ? undefined : NOT_CONFIGURED),
  declaredDurationMs: (config) => config.timeoutSeconds * 1000,
  writes: () => ['ha_action'],
  run: async (context) => {
    const { config, signal } = context;
    const services = actionServices(context);
    const settings = (context.services as { settings?: StepSettings }).settings?.homeAssistant;
    if (!settings) throw new StepNotConfiguredError(NOT_CONFIGURED);
    const entities = (config.entityId ?? '')
      .split(',')
      .map((entity) => entity.trim())
      .filter(Boolean);
    const entityId = entities.length > 1 ? entities : entities[0];
    const data = { ...config.data, ...(entityId !== undefined && { entity_id: entityId }) };
    const call = {
      domain: config.domain,
      service: config.service,
      data,
      returnResponse: config.returnResponse,
    };
    const summary = { domain: config.domain, service: config.service, entity_id: entityId ?? null };
    if (services.dryRun) {
      return { output: { ha_action: { ...summary, success: false, dryRun: true, wouldSend: data } } };
    }
    const result = await callService(settings, call, services.outbound.fetch, {
      timeoutMs: config.timeoutSeconds * 1000,
      signal,
    });
    return {
      output: {
        ha_action: {
          ...summary,
          success: true,
          changed_states: result.changedStates,
          ...(result.serviceResponse !== undefined && { response: result.serviceResponse }),
        },
      },
      cooloff: config.triggerCooloff,
    };
  },
});
