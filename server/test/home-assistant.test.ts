import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowOrFail } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';
import {
  startHomeAssistantTestServer,
  type HomeAssistantTestServer,
} from './support/home-assistant-server.js';
import { startOpenAiTestServer, type OpenAiTestServer } from './support/openai-server.js';

// Home Assistant and a model server end to end: configured through the environment, reached through
// the outbound policy, ha_state runs fired by the shared WebSocket.
let server: TestServer;
let ha: HomeAssistantTestServer;
let ai: OpenAiTestServer;
beforeAll(async () => {
  ha = await startHomeAssistantTestServer();
  ai = await startOpenAiTestServer('sk-e2e-key');
  server = await startTestServer({
    env: {
      KINFLOW_OUTBOUND_ALLOW: '127.0.0.1',
      KINFLOW_HOME_ASSISTANT_URL: ha.url,
      KINFLOW_HOME_ASSISTANT_TOKEN: ha.token,
      KINFLOW_LLM_MODELS: JSON.stringify({
        local: { baseUrl: ai.baseUrl, model: 'llama', apiKey: 'sk-e2e-key', timeoutSeconds: 10 },
      }),
    },
  });
});
afterAll(async () => {
  await server.stop();
  await ha.close();
  await ai.close();
});

const RUNS = `query($flowId: ID!) { executions(flowId: $flowId, first: 50) { edges { node {
  id status triggerType triggerPayload data error { code message } } } } }`;
type Run = {
  id: string;
  status: string;
  triggerType: string;
  triggerPayload: Record<string, any>;
  data: Record<string, any>;
};

async function waitForRuns(flowId: string, count: number): Promise<Run[]> {
  let runs: Run[] = [];
  for (let i = 0; i < 400; i++) {
    const result = await server.gql(RUNS, { flowId });
    runs = result.data.executions.edges.map((edge: { node: Run }) => edge.node);
    if (runs.length >= count && runs.every((run) => ['COMPLETED', 'FAILED'].includes(run.status)))
      return runs;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return runs;
}

describe('configured integrations', () => {
  it('appear in stepTypes, with no secret in any schema', async () => {
    const result = await server.gql(`{ stepTypes { type configSchema } }`);
    const types = result.data.stepTypes.map((type: { type: string }) => type.type);
    expect(types).toEqual(expect.arrayContaining(['llm_call', 'ha_service', 'ha_state']));
    const llm = result.data.stepTypes.find((type: { type: string }) => type.type === 'llm_call');
    // The form offers the configured models as choices.
    expect(llm.configSchema.properties.model).toMatchObject({ type: 'string', enum: ['local'] });
    expect(llm.configSchema.properties.prompt.description).toMatch(/What to ask/);
    const text = JSON.stringify(result.data);
    expect(text).not.toContain(ha.token);
    expect(text).not.toContain('sk-e2e-key');
  });

  it('ha_state fires one run per matching change, also after the connection dropped', async () => {
    const flowId = await createFlowOrFail(
      server,
      'Door opens: hall light',
      [
        { key: 'door', type: 'ha_state', config: { entityId: 'binary_sensor.front_door', to: ['on'] } },
        {
          key: 'light',
          type: 'ha_service',
          config: {
            domain: 'light',
            service: 'turn_on',
            entityId: 'light.hall',
            data: { brightness_pct: 40 },
          },
        },
      ],
      [{ source: 'door', target: 'light' }],
    );
    await ha.subscribed(1);
    ha.setState('binary_sensor.front_door', 'on', { friendly_name: 'Front door' });
    const [run] = await waitForRuns(flowId, 1);
    expect(run).toMatchObject({
      status: 'COMPLETED',
      triggerType: 'ha_state',
      triggerPayload: {
        entity_id: 'binary_sensor.front_door',
        from: null,
        to: 'on',
        attributes: { friendly_name: 'Front door' },
      },
    });
    expect(run!.data.ha_action).toMatchObject({ entity_id: 'light.hall', success: true });
    expect(ha.calls.map((call) => `${call.domain}.${call.service} ${call.data.entity_id as string}`)).toEqual(
      ['light.turn_on light.hall'],
    );

    ha.setState('binary_sensor.front_door', 'off'); // not a `to` state: no run
    ha.setState('binary_sensor.back_door', 'on'); // another entity: no run
    ha.dropConnections();
    await ha.subscribed(2);
    ha.setState('binary_sensor.front_door', 'on');
    const runs = await waitForRuns(flowId, 2);
    expect(runs).toHaveLength(2);
    expect(runs.map((r) => r.triggerPayload.from).sort()).toEqual([null, 'off'].sort());
    expect(ha.subscriptions).toBe(2);
  });

  it('llm_call answers through the registry model', async () => {
    ai.script({ content: 'Good morning, Rosa!' });
    const flowId = await createFlowOrFail(
      server,
      'Greeting',
      [
        { key: 'start', type: 'manual', config: {} },
        {
          key: 'greet',
          type: 'llm_call',
          config: { model: 'local', prompt: 'Greet Rosa', outputKey: 'greeting' },
        },
      ],
      [{ source: 'start', target: 'greet' }],
    );
    const triggered = await server.gql(`mutation($flowId: ID!) { triggerFlow(id: $flowId) { __typename } }`, {
      flowId,
    });
    expect(triggered.errors).toBeUndefined();
    const [run] = await waitForRuns(flowId, 1);
    expect(run).toMatchObject({ status: 'COMPLETED', data: { greeting: 'Good morning, Rosa!' } });
    expect(JSON.stringify(run)).not.toContain('sk-e2e-key');
  });
});
