import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActionServices } from '../actions/create.js';
import { outputOf, runChain } from '../actions/test-support.js';
import { SecretBox } from '../crypto/secret-box.js';
import { harness, testRegistry, timeline, type Harness } from '../engine/test-fixtures.js';
import { FlowValidationError } from '../flows/errors.js';
import { FlowService } from '../flows/service.js';
import type { HomeAssistantSettings } from '../homeassistant/index.js';
import { parseOutboundAllowlist } from '../net/index.js';
import {
  startHomeAssistantTestServer,
  type HomeAssistantTestServer,
} from '../../test/support/home-assistant-server.js';
import { StepTypeRegistry } from './registry.js';

let ha: HomeAssistantTestServer;
let h: Harness;

async function start(options: { token?: string; allow?: string } = {}) {
  const settings = { homeAssistant: { url: ha.url, token: options.token ?? ha.token } };
  h = await harness({
    settings,
    services: (orm, registry) => ({
      ...createActionServices({
        orm,
        registry,
        secrets: new SecretBox(randomBytes(32)),
        config: { outbound: parseOutboundAllowlist(options.allow ?? '127.0.0.1') },
      }),
      settings,
    }),
  });
}

const call = (config: Record<string, unknown>, payload: Record<string, unknown> = {}) =>
  runChain(h, `ha ${Math.random()}`, [{ key: 'act', type: 'ha_service', config }], payload);

beforeEach(async () => {
  ha = await startHomeAssistantTestServer();
});
afterEach(async () => {
  await h?.close();
  await ha.close();
});

describe('ha_service', () => {
  it('calls the service with the bearer token and outputs what changed', async () => {
    await start();
    const { run } = await call(
      {
        domain: 'light',
        service: 'turn_on',
        entityId: 'light.{{ trigger.payload.room }}',
        data: { brightness_pct: 60 },
      },
      { room: 'kitchen' },
    );
    expect(run.status).toBe('completed');
    expect(ha.calls).toEqual([
      {
        domain: 'light',
        service: 'turn_on',
        query: '',
        authorization: `Bearer ${ha.token}`,
        data: { entity_id: 'light.kitchen', brightness_pct: 60 },
      },
    ]);
    expect(outputOf(run, 'act').ha_action).toMatchObject({
      domain: 'light',
      service: 'turn_on',
      entity_id: 'light.kitchen',
      success: true,
      changed_states: [{ entity_id: 'light.kitchen', state: 'on', attributes: { brightness_pct: 60 } }],
    });
    expect(run.data.ha_action).toMatchObject({ success: true });
    expect(JSON.stringify([run, await timeline(h, run.id)])).not.toContain(ha.token);
  });

  it('asks for response data when told to, and targets several entities', async () => {
    await start();
    const { run } = await call({
      domain: 'lock',
      service: 'lock',
      entityId: 'lock.front, lock.back',
      returnResponse: true,
    });
    expect(ha.calls[0]).toMatchObject({
      query: '?return_response',
      data: { entity_id: ['lock.front', 'lock.back'] },
    });
    expect(outputOf(run, 'act').ha_action).toMatchObject({ success: true, response: { done: true } });
  });

  it('fails with a typed error on a refused token, keeping the token out of the run', async () => {
    await start({ token: 'not-the-token' });
    const { run } = await call({ domain: 'light', service: 'turn_on', entityId: 'light.kitchen' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'ha_unauthorized' });
    expect(JSON.stringify(run)).not.toContain('not-the-token');
  });

  it('fails on an unknown service and on a template that renders to no service name', async () => {
    await start();
    const unknown = await call({ domain: 'light', service: 'explode', entityId: 'light.kitchen' });
    expect(unknown.run.error).toMatchObject({ code: 'ha_bad_request' });
    expect(unknown.run.error?.message).toMatch(/Service light.explode not found/);
    const sneaky = await call({ domain: 'light', service: '{{ trigger.payload.s }}' }, { s: '../../states' });
    // The rendered config is checked against the schema again, so it never reaches the URL.
    expect(sneaky.run.error).toMatchObject({ code: 'invalid_config' });
    expect(sneaky.run.error?.message).toMatch(/service.*lower-case letters/);
    expect(ha.calls).toHaveLength(1);
  });

  it('follows the outbound policy', async () => {
    await start({ allow: '' });
    const { run } = await call({ domain: 'light', service: 'turn_on', entityId: 'light.kitchen' });
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/KINFLOW_OUTBOUND_ALLOW/);
    expect(ha.calls).toHaveLength(0);
  });
});

describe('Home Assistant step types without Home Assistant', () => {
  it('are not_configured at save time and hidden from the palette', async () => {
    const base = await testRegistry();
    const registry = (homeAssistant?: HomeAssistantSettings) =>
      new StepTypeRegistry(base.list(), homeAssistant ? { homeAssistant } : {});
    const palette = (r: StepTypeRegistry) => r.available().map((type) => type.type);
    expect(palette(registry())).not.toContain('ha_service');
    expect(palette(registry())).not.toContain('ha_state');
    expect(palette(registry({ url: 'http://ha.example', token: 't' }))).toEqual(
      expect.arrayContaining(['ha_service', 'ha_state']),
    );

    h = await harness();
    const flows = new FlowService(registry());
    const error = await flows
      .create(
        h.em(),
        { name: 'lights' },
        {
          steps: [
            { key: 'door', type: 'ha_state', config: { entityId: 'binary_sensor.door', to: ['on'] } },
            { key: 'act', type: 'ha_service', config: { domain: 'light', service: 'turn_on' } },
          ],
          edges: [{ source: 'door', sourcePort: 'main', target: 'act' }],
        },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowValidationError);
    expect((error as FlowValidationError).issues).toEqual([
      expect.objectContaining({
        code: 'not_configured',
        stepKey: 'door',
        message: expect.stringMatching(/KINFLOW_HOME_ASSISTANT_URL/),
      }),
      expect.objectContaining({ code: 'not_configured', stepKey: 'act' }),
    ]);
  });
});
