import { z } from 'zod';
import { HA_STATE_PAYLOAD_KEYS } from '../triggers/ha-state.js';
import { triggerPayload } from './shared-schemas.js';
import { defineStepType, MAIN_PORT } from './step-type.js';

const states = (description: string) =>
  z.array(z.string().min(1).max(255)).max(20).default([]).describe(description);

export default defineStepType({
  type: 'ha_state',
  category: 'trigger',
  title: 'Home Assistant state',
  description:
    'Fires when a Home Assistant entity changes state (through HA’s WebSocket API, one connection for all flows, reconnecting by itself). The payload is `{ entity_id, from, to, old_state, new_state, attributes, time_fired }`: `from`/`to` are the state values, `old_state`/`new_state` the full states with attributes.',
  configSchema: z
    .object({
      entityId: z
        .string()
        .min(1)
        .max(255)
        .regex(
          /^[a-z0-9_]+\.[a-z0-9_*]+$|^[a-z0-9_]+\.\*$/,
          'an entity id like binary_sensor.front_door (a trailing * matches many)',
        )
        .describe('Entity to watch, e.g. binary_sensor.front_door; light.* watches every light'),
      from: states('Only changes away from one of these states (any when empty)'),
      to: states('Only changes into one of these states (any when empty), e.g. ["on"]'),
      attributeChanges: z
        .boolean()
        .default(false)
        .describe('Also fire when only attributes change and the state stays the same'),
    })
    .strict(),
  payload: { keys: [...HA_STATE_PAYLOAD_KEYS] },
  writes: () => [...HA_STATE_PAYLOAD_KEYS],
  ports: [MAIN_PORT],
  unavailable: (settings) =>
    settings.homeAssistant
      ? undefined
      : 'Home Assistant is not configured (set KINFLOW_HOME_ASSISTANT_URL and KINFLOW_HOME_ASSISTANT_TOKEN)',
  // The engine starts here; the trigger payload becomes this step's output (and flat keys).
  run: ({ data }) => ({ output: triggerPayload(data) }),
});
