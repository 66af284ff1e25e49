import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLOW } from './fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const TEST_STEP = `mutation($type: String!, $config: JSONObject!, $data: JSONObject) {
  testStep(type: $type, config: $config, data: $data) { success output ports error } }`;

describe('script and query in the running server', () => {
  it('a query reads telemetry the server ingested, and a script works on the result', async () => {
    const created = await server.gql(
      `mutation { createNode(input: { name: "porch-sensor" }) { ... on MutationCreateNodeSuccess { data { id } } } }`,
    );
    expect(created.data.createNode.data.id).toBeTruthy();
    const posted = await server.rest('POST', '/v1/telemetry', {
      readings: [
        { node: 'porch-sensor', metric: 'temperature', value: 12, timestamp: Date.now() - 2000 },
        { node: 'porch-sensor', metric: 'temperature', value: 16, timestamp: Date.now() - 1000 },
      ],
    });
    expect(posted.body.data.accepted).toBe(2);

    const query = await server.gql(TEST_STEP, {
      type: 'query',
      config: { source: 'telemetry', metric: 'temperature', mode: 'history', windowMinutes: 10 },
    });
    expect(query.data.testStep).toMatchObject({
      success: true,
      output: { count: 2, min: 12, max: 16, avg: 14 },
    });

    const script = await server.gql(TEST_STEP, {
      type: 'script',
      config: { code: 'return last.items.map((i) => i.value * 2)' },
      data: { last: query.data.testStep.output },
    });
    expect(script.data.testStep).toMatchObject({ success: true, output: { result: [24, 32] } });
  });

  it('a flow with a broken script is refused with the field and line; a runaway fails only its run', async () => {
    const refused = await server.gql(CREATE_FLOW, {
      input: {
        name: 'broken script',
        steps: [
          { key: 'start', type: 'manual' },
          { key: 'calc', type: 'script', config: { code: 'const a = 1;\nreturn a +' } },
        ],
        edges: [{ source: 'start', target: 'calc' }],
      },
    });
    expect(refused.data.createFlow.__typename).toBe('FlowValidationError');
    expect(refused.data.createFlow.issues).toEqual([
      expect.objectContaining({
        stepKey: 'calc',
        field: 'config.code',
        message: expect.stringMatching(/\(line 2\)$/),
      }),
    ]);

    const runaway = await server.gql(TEST_STEP, {
      type: 'script',
      config: { code: 'for (;;) {}', timeoutMs: 50 },
    });
    expect(runaway.data.testStep).toMatchObject({
      success: false,
      error: expect.stringMatching(/50 ms limit/),
    });
    const escape = await server.gql(TEST_STEP, {
      type: 'script',
      config: { code: 'return process.mainModule' },
    });
    expect(escape.data.testStep.error).toMatch(/'process' is not defined/);
    // The server is unharmed: the next request is answered as usual.
    const after = await server.gql(TEST_STEP, { type: 'script', config: { code: 'return 6 * 7' } });
    expect(after.data.testStep.output).toEqual({ result: 42 });
  });
});
